"""The live trading engine: bars in, orders out, the broker's word as the truth."""
