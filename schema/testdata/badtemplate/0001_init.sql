CREATE TABLE {{.Nope}}.t (x UInt8) ENGINE = Memory;
