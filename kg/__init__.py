"""Yibao KG: a knowledge graph of Chinese medical-insurance (医保) fund reports.

Data flows one way: ``yibao.ingest`` (read, segment, extract) → ``yibao.graph`` (RDF, store,
validation, fact table) ← ``yibao.qa`` (question understanding, canned queries, answers).
"""
