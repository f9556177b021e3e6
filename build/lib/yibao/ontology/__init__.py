"""Package data: the ontology, SKOS code lists and SHACL shapes (Turtle)."""
