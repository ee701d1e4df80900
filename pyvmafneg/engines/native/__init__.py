"""The native engine: VIF, ADM and motion for several gain limits from one pass (C, ``csrc/``)."""
