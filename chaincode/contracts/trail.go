package contracts

import (
	"encoding/json"
	"fmt"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// Access-trail indexes (simple keys → the access record). The time (RFC 3339 UTC, which
// sorts as text) comes before the id, so every index lists accesses in time order and a
// period is a key range.
const (
	accRecordIndex = "idx~acc~rec~" // + uscc + "~" + at + "~" + id
	accOrgIndex    = "idx~acc~org~" // + accessor msp + "~" + at + "~" + id
	accOwnerIndex  = "idx~acc~own~" // + owner msp + "~" + at + "~" + id
	accTimeIndex   = "idx~acc~all~" // + at + "~" + id
)

func accIndexKeys(r *domain.AccessRecord) []string {
	tail := r.At + "~" + r.ID
	return []string{
		accRecordIndex + r.Record + "~" + tail,
		accOrgIndex + r.AccessorOrg + "~" + tail,
		accOwnerIndex + r.OwnerOrg + "~" + tail,
		accTimeIndex + tail,
	}
}

// RecordRead records the caller's request to read personal fields of a business for a
// purpose, GRANTED or DENIED (a denial is recorded, not refused), and returns the record.
// Nothing is delivered here: the owner's peer answers personal:Read for this record later.
func (c *AccessContract) RecordRead(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req domain.ReadAccessRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	who, err := accessorOf(ctx)
	if err != nil {
		return "", err
	}
	b, err := loadBusiness(ctx, req.Record)
	if err != nil {
		return "", err
	}
	grants, err := grantsTo(ctx.GetStub(), req.Record, who.Org)
	if err != nil {
		return "", err
	}
	rec, err := domain.DecideRead(req, &b, grants, who)
	if err != nil {
		return "", err
	}
	return storeAccess(ctx.GetStub(), &rec)
}

// RecordVerify records the caller's verification of one personal field of a business (no
// grant needed: nothing is disclosed) and returns the record.
func (c *AccessContract) RecordVerify(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req domain.VerifyAccessRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	who, err := accessorOf(ctx)
	if err != nil {
		return "", err
	}
	b, err := loadBusiness(ctx, req.Record)
	if err != nil {
		return "", err
	}
	rec, err := domain.DecideVerify(req, &b, who)
	if err != nil {
		return "", err
	}
	return storeAccess(ctx.GetStub(), &rec)
}

func storeAccess(stub shim.ChaincodeStubInterface, rec *domain.AccessRecord) (string, error) {
	state, err := writeJSON(stub, accessKey(rec.ID), rec)
	if err != nil {
		return "", err
	}
	for _, k := range accIndexKeys(rec) {
		if err := stub.PutState(k, state); err != nil {
			return "", fmt.Errorf("write index %q: %w", k, err)
		}
	}
	if err := emit(stub, domain.EventPersonalDataAccessed, domain.ContractAccess, rec.ID, state); err != nil {
		return "", err
	}
	return string(state), nil
}

// Get returns one access record, to auditors, the record's owner and the accessor's org.
func (c *AccessContract) Get(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	if err := domain.ValidateTxID("access id", id); err != nil {
		return "", err
	}
	caller, err := callerOf(ctx)
	if err != nil {
		return "", err
	}
	var rec domain.AccessRecord
	if err := mustRead(ctx.GetStub(), accessKey(id), &rec, "access "+id+" does not exist"); err != nil {
		return "", err
	}
	if !domain.MayViewAccess(caller.msp, rec) {
		return "", domain.Errorf(domain.CodeForbidden, "access %s is visible to %s, %s and auditors only", id, rec.OwnerOrg, rec.AccessorOrg)
	}
	return toJSON(rec)
}

// List returns one page of access records in time order, filtered by record, accessor org
// and period [from, to). Auditors see every access; an agency the accesses to the records
// it owns and those it made (without record and accessor: the accesses to its own records).
func (c *AccessContract) List(ctx contractapi.TransactionContextInterface, record string, accessor string, from string, to string, pageSize int32, bookmark string) (string, error) {
	f := domain.AccessFilter{Record: record, Accessor: accessor, From: from, To: to}
	if err := f.Validate(); err != nil {
		return "", err
	}
	caller, err := callerOf(ctx)
	if err != nil {
		return "", err
	}
	var prefix string
	switch {
	case f.Record != "":
		prefix = accRecordIndex + f.Record + "~"
	case f.Accessor != "":
		prefix = accOrgIndex + f.Accessor + "~"
	case caller.msp == domain.AuditMSP:
		prefix = accTimeIndex
	default:
		prefix = accOwnerIndex + caller.msp + "~"
	}
	start, end := prefix+f.From, prefix+rangeEnd
	if f.To != "" {
		end = prefix + f.To
	}
	p, err := filteredPage(ctx.GetStub(), start, end, pageSize, bookmark, func(v []byte) (bool, error) {
		var rec domain.AccessRecord
		if err := json.Unmarshal(v, &rec); err != nil {
			return false, fmt.Errorf("decode access record: %w", err)
		}
		return f.Matches(rec) && domain.MayViewAccess(caller.msp, rec), nil
	})
	if err != nil {
		return "", err
	}
	res := domain.AccessPage{Records: []domain.AccessRecord{}, Bookmark: p.bookmark}
	for _, v := range p.values {
		var rec domain.AccessRecord
		if err := jsonDecode(v, &rec); err != nil {
			return "", err
		}
		res.Records = append(res.Records, rec)
	}
	res.Fetched = len(res.Records)
	return toJSON(res)
}
