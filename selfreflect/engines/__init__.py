"""Engines that run a pipeline: local (process pool), Ray Data, Hugging Face datasets."""
