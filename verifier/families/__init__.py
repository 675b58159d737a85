"""Rule families: one package per family, named as its `rules/<family>/` folder and rule ids.

The catalog discovers every concrete `Check` subclass in the modules of these packages;
adding a family is adding a package here and its files under `rules/`, never editing the
engine. Families never import each other; shared machinery lives below them.
"""
