"""Yibao KG: a knowledge graph of Chinese medical-insurance fund reports.

Data flows one way: reading → segment → extract → rdf → store → facts/queries.
"""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = PROJECT_ROOT / "ontology"
QUERIES_DIR = PROJECT_ROOT / "queries"
DEFAULT_REPORTS_DIR = PROJECT_ROOT / "data" / "reports"
