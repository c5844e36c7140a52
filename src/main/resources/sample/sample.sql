-- The sample database a zero-configuration run backs up: a small shop that uses the SQLite
-- features a faithful backup has to carry (see README, "The dump format").

-- Created before the table it references: restores must not depend on creation order.
CREATE TABLE order_lines (
  order_id INTEGER NOT NULL REFERENCES orders(id),
  line INTEGER NOT NULL,
  sku TEXT NOT NULL REFERENCES products(sku),
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  PRIMARY KEY (order_id, line)
) WITHOUT ROWID;

CREATE TABLE customers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL,
  email TEXT UNIQUE,
  referred_by INTEGER REFERENCES customers(id),
  notes TEXT DEFAULT 'none;  two spaces, a ; and a quote '' in a default'
);

CREATE TABLE products (
  sku TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  weight_kg REAL,
  photo BLOB,
  price_label TEXT GENERATED ALWAYS AS (printf('%d.%02d', price_cents / 100, price_cents % 100)) VIRTUAL
) STRICT;

CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  placed_at TEXT NOT NULL,
  total_cents INTEGER,
  "select" TEXT, -- a reserved word as a column name
  status TEXT NOT NULL DEFAULT 'open'
);

CREATE TABLE "audit log" ("when" TEXT, what TEXT, big INTEGER, ratio REAL, raw);

CREATE VIRTUAL TABLE product_search USING fts5(sku UNINDEXED, title, description);

CREATE TABLE empty_table (id INTEGER PRIMARY KEY, anything);

INSERT INTO customers(id, name, email, referred_by, notes) VALUES
  (1, 'Ada Lovelace', 'ada@example.com', NULL, 'first customer'),
  (2, 'Grace "Amazing" Hopper', 'grace@example.com', 1, 'line one
line two	with a tab'),
  (3, 'Zoë Ünïcødé 🚀', NULL, 2, 'emoji 🎉 and O''Brien''s quote'),
  (5, 'Self Referrer', 'self@example.com', 5, NULL);
DELETE FROM customers WHERE id = 5;
INSERT INTO customers(id, name, email, referred_by) VALUES (4, 'Dana', 'dana@example.com', 3);

INSERT INTO products(sku, title, price_cents, weight_kg, photo) VALUES
  ('BK-001', 'SQLite Internals', 3999, 0.75, X'89504E470D0A1A0A0000000D49484452'),
  ('MG-002', 'Edge Computing Mug', 1250, 0.1, X'00FF10'),
  ('ST-003', 'Sticker', 99, 2.0, NULL);

INSERT INTO orders(id, customer_id, placed_at, total_cents, "select", status) VALUES
  (100, 1, '2026-01-02T10:00:00Z', 5249, 'express', 'shipped'),
  (101, 3, '2026-02-14T18:30:00Z', 99, NULL, 'open');

INSERT INTO order_lines VALUES (100, 1, 'BK-001', 1), (100, 2, 'MG-002', 1), (101, 1, 'ST-003', 1);

INSERT INTO "audit log" VALUES
  ('2026-01-02', 'integer past 2^53', 9007199254740993, 0.1, X''),
  ('2026-01-03', 'smallest and largest integers', -9223372036854775808, 1e308, 9223372036854775807),
  ('2026-01-04', 'text with a NUL: a' || char(0) || 'b', 0, 4.9406564584124654e-324, 'untyped text'),
  ('2026-01-05', 'REAL 2.0 stays REAL', 2, 2.0, 3.0);

INSERT INTO product_search(sku, title, description) SELECT sku, title, 'A fine ' || title FROM products;

CREATE INDEX orders_by_customer ON orders(customer_id, placed_at DESC);
CREATE INDEX open_orders ON orders(placed_at) WHERE status = 'open';
CREATE INDEX customers_by_lower_name ON customers(lower(name));

CREATE VIEW order_totals AS
  SELECT o.id, c.name, sum(l.quantity * p.price_cents) AS cents
  FROM orders o JOIN customers c ON c.id = o.customer_id
  JOIN order_lines l ON l.order_id = o.id JOIN products p ON p.sku = l.sku
  GROUP BY o.id;

CREATE TRIGGER orders_audit AFTER UPDATE OF status ON orders BEGIN
  INSERT INTO "audit log"("when", what) VALUES (datetime('now'), 'order ' || NEW.id || ' is now ' || NEW.status || ';');
END;

CREATE TRIGGER order_totals_delete INSTEAD OF DELETE ON order_totals BEGIN
  DELETE FROM order_lines WHERE order_id = OLD.id;
  DELETE FROM orders WHERE id = OLD.id;
END;
