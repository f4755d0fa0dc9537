package errbody_test

import (
	"fmt"

	"github.com/ratescope/ratescope/internal/errbody"
)

func ExampleNormalize() {
	body := []byte(`{
  "success": false,
  "errorCode": "INVALID_REQUEST",
  "message": "Validation failed.",
  "details": {"fields": [{"path": "email", "message": "must be a valid email"}]},
  "requestId": "req_2N7s8x9KqR"
}`)
	env := errbody.Normalize(body)
	fmt.Println(env.Shape, env.Code, env.RequestID)
	fmt.Println(env.Message)
	for _, f := range env.Fields {
		fmt.Printf("%s: %s\n", f.Field, f.Message)
	}
	fmt.Println("retry after:", env.RetryAfter)
	// Output:
	// success_errorcode INVALID_REQUEST req_2N7s8x9KqR
	// Validation failed.
	// email: must be a valid email
	// retry after: -1
}

func ExampleNormalizer() {
	// One Normalizer per goroutine on the ingest path: it reuses its
	// parser and buffers from body to body.
	var n errbody.Normalizer
	for _, body := range []string{
		`{"error":{"code":"rate_limited","message":"Per-minute API rate limit exceeded.","details":{"retryAfter":12}}}`,
		`"{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,\"detail\":\"Retry in 30 seconds.\"}"`,
		`<html>502 Bad Gateway</html>`,
	} {
		env := n.Normalize([]byte(body))
		fmt.Printf("%s code=%q status=%d retry_after=%d\n", env.Shape, env.Code, env.Status, env.RetryAfter)
	}
	// Output:
	// error_object code="rate_limited" status=0 retry_after=12
	// problem code="" status=429 retry_after=30
	// unknown code="" status=0 retry_after=-1
}
