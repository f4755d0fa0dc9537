CREATE TABLE {{.DB}}.t (x UInt8) ENGINE = {{engine "t" "Memory"}};
