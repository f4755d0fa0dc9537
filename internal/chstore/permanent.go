package chstore

import (
	"errors"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// permanentCodes are the ClickHouse errors that waiting cannot fix: the
// credentials, the user's rights, or a database the user may not create.
var permanentCodes = map[int32]string{
	516: "authentication failed", // AUTHENTICATION_FAILED
	192: "unknown user",          // UNKNOWN_USER
	193: "wrong password",        // WRONG_PASSWORD
	194: "password required",     // REQUIRED_PASSWORD
	497: "access denied",         // ACCESS_DENIED
	291: "database access denied",
	164: "read-only user", // READONLY
	81:  "unknown database",
}

// IsPermanent reports whether err is a ClickHouse error that retrying
// cannot heal (wrong credentials, missing rights, a database the user may
// not create): a daemon should stop with it rather than retry forever.
// Unreachable servers, timeouts and server-side overload are not
// permanent.
func IsPermanent(err error) bool {
	var ex *clickhouse.Exception
	if !errors.As(err, &ex) {
		return false
	}
	_, ok := permanentCodes[ex.Code]
	return ok
}

// connError is a one-line message for a failed connection that keeps the
// driver's error for errors.As.
type connError struct {
	msg string
	err error
}

func (e *connError) Error() string { return e.msg }
func (e *connError) Unwrap() error { return e.err }
