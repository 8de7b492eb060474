"""Research on recorded and historical data: realised P&L, history cache, parameter search."""
