"""Command-line interface of Yibao KG (the `yibao` console script, see yibao.cli.main)."""
