TABLE = "orders"
