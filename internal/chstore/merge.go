package chstore

// AppendBatch adds o's rows after b's, in order: what parsing on several
// goroutines (ingest.Parallel) needs to put the batches of consecutive
// chunks of lines back into one batch for one insert. The text is not
// copied: b takes o's arena chunks over (they are never written again, see
// arena), so o may be Reset and refilled as soon as AppendBatch returns.
func (b *RequestBatch) AppendBatch(o *RequestBatch) {
	if o.Len() == 0 {
		return
	}
	base := span(len(b.text.chunks)) << (2 * spanBits)
	b.text.chunks = append(b.text.chunks, o.text.chunks...)
	// b's own current chunk is no longer the last listed: its free tail
	// becomes a chunk of its own, listed last, where the next add goes
	// (the bytes before it are never written again).
	if free := b.text.buf[len(b.text.buf):]; cap(free) > 0 {
		b.text.buf = free[:0:cap(free)]
		b.text.chunks = append(b.text.chunks, b.text.buf)
	} else {
		b.text.buf = nil
	}
	spans := func(dst, src []span) []span {
		for _, sp := range src {
			if sp != 0 {
				sp += base
			}
			dst = append(dst, sp)
		}
		return dst
	}
	b.timeMs = append(b.timeMs, o.timeMs...)
	b.requestID = spans(b.requestID, o.requestID)
	b.kind = append(b.kind, o.kind...)
	b.synthetic = append(b.synthetic, o.synthetic...)
	b.method = spans(b.method, o.method)
	b.path = spans(b.path, o.path)
	b.route = spans(b.route, o.route)
	b.status = append(b.status, o.status...)
	b.partner = spans(b.partner, o.partner)
	b.clientIP = spans(b.clientIP, o.clientIP)
	b.latencyMs = append(b.latencyMs, o.latencyMs...)
	b.bytesSent = append(b.bytesSent, o.bytesSent...)
	b.userAgent = spans(b.userAgent, o.userAgent)
	b.idempotencyKey = spans(b.idempotencyKey, o.idempotencyKey)
	b.retryAfter = append(b.retryAfter, o.retryAfter...)
	b.rlLimit = append(b.rlLimit, o.rlLimit...)
	b.rlRemaining = append(b.rlRemaining, o.rlRemaining...)
	b.rlReset = append(b.rlReset, o.rlReset...)
	b.errorType = spans(b.errorType, o.errorType)
	b.responseFlags = spans(b.responseFlags, o.responseFlags)
	b.errShape = spans(b.errShape, o.errShape)
	b.errCode = spans(b.errCode, o.errCode)
	b.errMessage = spans(b.errMessage, o.errMessage)
	b.errDetails = spans(b.errDetails, o.errDetails)
	// Field lists are sub-slices of o's backing arrays, which o's Reset
	// clears: copy them into b's (the strings stay in o's old chunks).
	for i := range o.errFieldNames {
		names, msgs := o.errFieldNames[i], o.errFieldMessages[i]
		if len(names) == 0 {
			b.errFieldNames = append(b.errFieldNames, nil)
			b.errFieldMessages = append(b.errFieldMessages, nil)
			continue
		}
		start := len(b.fieldNames)
		b.fieldNames = append(b.fieldNames, names...)
		b.fieldMsgs = append(b.fieldMsgs, msgs...)
		end := len(b.fieldNames)
		b.errFieldNames = append(b.errFieldNames, b.fieldNames[start:end:end])
		b.errFieldMessages = append(b.errFieldMessages, b.fieldMsgs[start:end:end])
	}
	b.errRetryAfter = append(b.errRetryAfter, o.errRetryAfter...)
	b.errStatus = append(b.errStatus, o.errStatus...)
	b.errRaw = spans(b.errRaw, o.errRaw)
	b.formatCol = spans(b.formatCol, o.formatCol)
	b.sourceCol = spans(b.sourceCol, o.sourceCol)
	b.offset = append(b.offset, o.offset...)
}

// SetRequestID replaces the request id of row i (a synthetic id that could
// only be computed once the rows before it were known).
func (b *RequestBatch) SetRequestID(i int, id []byte) {
	b.requestID[i] = b.text.add(id)
}

// AppendBatch adds o's rows after b's, in order; see
// RequestBatch.AppendBatch. The strings stay in o's old arena chunks.
func (b *RejectBatch) AppendBatch(o *RejectBatch) {
	b.timeMs = append(b.timeMs, o.timeMs...)
	b.sourceCol = append(b.sourceCol, o.sourceCol...)
	b.offset = append(b.offset, o.offset...)
	b.line = append(b.line, o.line...)
	b.formatCol = append(b.formatCol, o.formatCol...)
	b.reason = append(b.reason, o.reason...)
	b.raw = append(b.raw, o.raw...)
}

// SetTimeMs replaces the time row i is filed under (the time of the last
// parsed line before it, known only once the rows before it are).
func (b *RejectBatch) SetTimeMs(i int, timeMs int64) {
	b.timeMs[i] = timeMs
}
