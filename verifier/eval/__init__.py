"""Labelled evaluation: corpora and mapped CSVs run through the pipeline, with metrics."""
