# shared helpers for the orders functions
