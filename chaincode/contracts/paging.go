package contracts

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
)

// rangeEnd closes a prefix range: U+10FFFF is above every character a validated key holds.
const rangeEnd = "\U0010FFFF"

// page is one page of a prefix range: the values found and the opaque bookmark of the next
// page ("" when there is none).
type page struct {
	values   [][]byte
	bookmark string
}

// rangePage reads one page of the keys starting with prefix. Bookmarks handed to clients
// are the shim's bookmark (a key) in unpadded base64url, and must lie inside the prefix.
func rangePage(stub shim.ChaincodeStubInterface, prefix string, pageSize int32, bookmark string) (page, error) {
	return rangePageTo(stub, prefix, prefix+rangeEnd, pageSize, bookmark)
}

// rangePageTo is rangePage over the keys of [prefix, end), end within the prefix.
func rangePageTo(stub shim.ChaincodeStubInterface, prefix, end string, pageSize int32, bookmark string) (page, error) {
	size, err := domain.PageSize(pageSize)
	if err != nil {
		return page{}, err
	}
	start := ""
	if bookmark != "" {
		raw, err := base64.RawURLEncoding.DecodeString(bookmark)
		if err != nil || !strings.HasPrefix(string(raw), prefix) || string(raw) >= end {
			return page{}, domain.Errorf(domain.CodeInvalid, "bookmark %q does not belong to this listing", bookmark)
		}
		start = string(raw)
	}
	it, meta, err := stub.GetStateByRangeWithPagination(prefix, end, size, start)
	if err != nil {
		return page{}, fmt.Errorf("range %q: %w", prefix, err)
	}
	defer it.Close()
	var p page
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return page{}, fmt.Errorf("range %q: %w", prefix, err)
		}
		p.values = append(p.values, kv.Value)
	}
	if meta != nil && meta.Bookmark != "" {
		p.bookmark = base64.RawURLEncoding.EncodeToString([]byte(meta.Bookmark))
	}
	return p, nil
}

// history returns one page of a key's history, newest first. The bookmark is the decimal
// offset of the next entry ("" when there are no more). An unknown key is NOT_FOUND.
func history(stub shim.ChaincodeStubInterface, key, what string, pageSize int32, bookmark string) (string, error) {
	size, err := domain.PageSize(pageSize)
	if err != nil {
		return "", err
	}
	offset := 0
	if bookmark != "" {
		offset, err = strconv.Atoi(bookmark)
		if err != nil || offset < 0 {
			return "", domain.Errorf(domain.CodeInvalid, "history bookmark must be a non-negative offset, got %q", bookmark)
		}
	}
	it, err := stub.GetHistoryForKey(key)
	if err != nil {
		return "", fmt.Errorf("history of %q: %w", key, err)
	}
	defer it.Close()
	res := domain.HistoryPage{Entries: []domain.HistoryEntry{}}
	for i := 0; it.HasNext(); i++ {
		if len(res.Entries) == int(size) {
			res.Bookmark = strconv.Itoa(offset + int(size))
			break
		}
		m, err := it.Next()
		if err != nil {
			return "", fmt.Errorf("history of %q: %w", key, err)
		}
		if i < offset {
			continue
		}
		e := domain.HistoryEntry{TxID: m.TxId, IsDelete: m.IsDelete, Value: json.RawMessage("null")}
		if m.Timestamp != nil {
			e.Timestamp = m.Timestamp.AsTime().UTC().Format(time.RFC3339)
		}
		if !m.IsDelete && len(m.Value) > 0 {
			var who struct {
				Org string `json:"updated_by_org"`
				By  string `json:"updated_by"`
			}
			if err := json.Unmarshal(m.Value, &who); err != nil {
				return "", fmt.Errorf("decode history of %q: %w", key, err)
			}
			e.SubmitterOrg, e.Submitter, e.Value = who.Org, who.By, m.Value
		}
		res.Entries = append(res.Entries, e)
	}
	if offset == 0 && len(res.Entries) == 0 {
		return "", domain.Errorf(domain.CodeNotFound, "%s has no history", what)
	}
	res.Fetched = len(res.Entries)
	return toJSON(res)
}

// scanRange reads every value in [start, end): for short ranges, such as the grants of one
// record to one org.
func scanRange(stub shim.ChaincodeStubInterface, start, end string) ([][]byte, error) {
	it, err := stub.GetStateByRange(start, end)
	if err != nil {
		return nil, fmt.Errorf("range %q: %w", start, err)
	}
	defer it.Close()
	var out [][]byte
	for it.HasNext() {
		kv, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("range %q: %w", start, err)
		}
		out = append(out, kv.Value)
	}
	return out, nil
}

// maxScan bounds the index entries one filtered page reads; a page that reaches it may
// hold fewer than pageSize records and carries a bookmark to go on from.
const maxScan = 1000

// filteredPage reads index entries of [start, end) from bookmark on, keeping the values
// accept takes, until pageSize are kept, the range ends or maxScan entries were read.
// bookmark is the unpadded base64url of the next index key, within [start, end).
func filteredPage(stub shim.ChaincodeStubInterface, start, end string, pageSize int32, bookmark string, accept func(value []byte) (bool, error)) (page, error) {
	size, err := domain.PageSize(pageSize)
	if err != nil {
		return page{}, err
	}
	from := start
	if bookmark != "" {
		raw, err := base64.RawURLEncoding.DecodeString(bookmark)
		if err != nil || string(raw) < start || string(raw) >= end {
			return page{}, domain.Errorf(domain.CodeInvalid, "bookmark %q does not belong to this listing", bookmark)
		}
		from = string(raw)
	}
	it, err := stub.GetStateByRange(from, end)
	if err != nil {
		return page{}, fmt.Errorf("range %q: %w", start, err)
	}
	defer it.Close()
	var p page
	for scanned := 0; it.HasNext(); scanned++ {
		kv, err := it.Next()
		if err != nil {
			return page{}, fmt.Errorf("range %q: %w", start, err)
		}
		if len(p.values) == int(size) || scanned == maxScan {
			p.bookmark = base64.RawURLEncoding.EncodeToString([]byte(kv.Key))
			break
		}
		ok, err := accept(kv.Value)
		if err != nil {
			return page{}, err
		}
		if ok {
			p.values = append(p.values, kv.Value)
		}
	}
	return p, nil
}
