package loggen

import (
	"math/rand/v2"
	"time"
)

// newUUID returns a random (version 4) UUID, as API Gateway and Envoy use.
func newUUID(r *rand.Rand) string {
	var b [16]byte
	hi, lo := r.Uint64(), r.Uint64()
	for i := 0; i < 8; i++ {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	out := make([]byte, 36)
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(out)
}

// newHex32 returns 32 lowercase hex digits, as nginx's $request_id.
func newHex32(r *rand.Rand) string {
	out := make([]byte, 32)
	hi, lo := r.Uint64(), r.Uint64()
	for i := 0; i < 16; i++ {
		out[i] = hexDigits[(hi>>(60-4*i))&0xf]
		out[16+i] = hexDigits[(lo>>(60-4*i))&0xf]
	}
	return string(out)
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// newReqID returns "req_" and a ULID for time ms: the ids the generic
// gateway (gateway.jsonl) and its services log.
func newReqID(r *rand.Rand, ms int64) string {
	out := make([]byte, 4+26)
	copy(out, "req_")
	t := uint64(ms)
	for i := 9; i >= 0; i-- {
		out[4+i] = crockford[t&31]
		t >>= 5
	}
	hi, lo := r.Uint64(), r.Uint64()
	for i := 0; i < 16; i++ {
		var v uint64
		if i < 8 {
			v = hi >> (5 * i)
		} else {
			v = lo >> (5 * (i - 8))
		}
		out[14+i] = crockford[v&31]
	}
	return string(out)
}

var monthAbbr = [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}

func app2(dst []byte, v int) []byte { return append(dst, byte('0'+v/10%10), byte('0'+v%10)) }

func app3(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

func app4(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/1000%10), byte('0'+v/100%10), byte('0'+v/10%10), byte('0'+v%10))
}

// appendCLF appends ms in CLF form at a UTC offset in minutes:
// 22/Nov/2026:06:13:47 +0100.
func appendCLF(dst []byte, ms int64, offMin int) []byte {
	t := time.UnixMilli(ms).UTC().Add(time.Duration(offMin) * time.Minute)
	y, mo, d := t.Date()
	dst = app2(dst, d)
	dst = append(dst, '/')
	dst = append(dst, monthAbbr[mo-1]...)
	dst = append(dst, '/')
	dst = app4(dst, y)
	dst = append(dst, ':')
	dst = app2(dst, t.Hour())
	dst = append(dst, ':')
	dst = app2(dst, t.Minute())
	dst = append(dst, ':')
	dst = app2(dst, t.Second())
	return appendOffset(append(dst, ' '), offMin, false)
}

// appendISO appends ms in RFC 3339 form at a UTC offset in minutes, with
// milliseconds when millis is set: 2026-11-22T05:13:47.123Z or
// 2026-11-22T06:13:47+01:00.
func appendISO(dst []byte, ms int64, offMin int, millis bool) []byte {
	t := time.UnixMilli(ms).UTC().Add(time.Duration(offMin) * time.Minute)
	y, mo, d := t.Date()
	dst = app4(dst, y)
	dst = append(dst, '-')
	dst = app2(dst, int(mo))
	dst = append(dst, '-')
	dst = app2(dst, d)
	dst = append(dst, 'T')
	dst = app2(dst, t.Hour())
	dst = append(dst, ':')
	dst = app2(dst, t.Minute())
	dst = append(dst, ':')
	dst = app2(dst, t.Second())
	if millis {
		dst = append(dst, '.')
		dst = app3(dst, int(((ms%1000)+1000)%1000))
	}
	if offMin == 0 {
		return append(dst, 'Z')
	}
	return appendOffset(dst, offMin, true)
}

func appendOffset(dst []byte, offMin int, colon bool) []byte {
	sign := byte('+')
	if offMin < 0 {
		sign, offMin = '-', -offMin
	}
	dst = append(dst, sign)
	dst = app2(dst, offMin/60)
	if colon {
		dst = append(dst, ':')
	}
	return app2(dst, offMin%60)
}

// appendMsec appends ms as nginx's $msec: seconds with three decimals.
func appendMsec(dst []byte, ms int64) []byte {
	dst = appendInt(dst, ms/1000)
	dst = append(dst, '.')
	return app3(dst, int(ms%1000))
}
