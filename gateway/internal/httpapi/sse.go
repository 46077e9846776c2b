package httpapi

import (
	"fmt"
	"strconv"
	"strings"
)

// SSE event ids are "<block>-<position>": the block number and the 0-based position of the
// event among this chaincode's events in that block. Fabric delivers a block's events in
// order, so (block, position) names every event exactly once; a client that resumes after
// id B-N gets the events of block B from position N+1 on, then the later blocks: no gap, no
// duplicate.

// eventID formats an SSE event id.
func eventID(block uint64, pos int) string {
	return strconv.FormatUint(block, 10) + "-" + strconv.Itoa(pos)
}

// parseEventID reads an SSE event id.
func parseEventID(id string) (block uint64, pos int, err error) {
	b, p, ok := strings.Cut(id, "-")
	if !ok {
		return 0, 0, fmt.Errorf("event id %q: want <block>-<position>", id)
	}
	block, err = strconv.ParseUint(b, 10, 64)
	if err != nil {
		return 0, 0, fmt.Errorf("event id %q: bad block number", id)
	}
	pos, err = strconv.Atoi(p)
	if err != nil || pos < 0 {
		return 0, 0, fmt.Errorf("event id %q: bad position", id)
	}
	return block, pos, nil
}

// cursor numbers the events of a stream and skips those a resuming client already has.
type cursor struct {
	started   bool
	block     uint64
	pos       int
	skip      bool // skip positions <= skipThrough in skipBlock
	skipBlock uint64
	// skipThrough is the last position to skip (inclusive, so that any position a client
	// names, up to the largest int, is skipped without overflow).
	skipThrough int
}

// resumeAfter makes the cursor skip everything up to and including (block, pos).
func resumeAfter(block uint64, pos int) *cursor {
	return &cursor{skip: true, skipBlock: block, skipThrough: pos}
}

// next numbers an event of block and reports whether to send it.
func (c *cursor) next(block uint64) (id string, send bool) {
	if !c.started || block != c.block {
		c.started, c.block, c.pos = true, block, 0
	} else {
		c.pos++
	}
	if c.skip && block == c.skipBlock && c.pos <= c.skipThrough {
		return "", false
	}
	return eventID(block, c.pos), true
}
