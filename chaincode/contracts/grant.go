package contracts

import (
	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// Grant indexes (simple keys → grant id).
const (
	grantRecordIndex  = "idx~grant~rec~"  // + uscc + "~" + id
	grantGranteeIndex = "idx~grant~gte~"  // + msp + "~" + id
	grantPairIndex    = "idx~grant~pair~" // + uscc + "~" + msp + "~" + id
)

func grantRecordPrefix(uscc string) string    { return grantRecordIndex + uscc + "~" }
func grantGranteePrefix(msp string) string    { return grantGranteeIndex + msp + "~" }
func grantPairPrefix(uscc, msp string) string { return grantPairIndex + uscc + "~" + msp + "~" }
func grantIndexKeys(g *domain.Grant) (keys []string) {
	return []string{grantRecordPrefix(g.Record) + g.ID, grantGranteePrefix(g.Grantee) + g.ID, grantPairPrefix(g.Record, g.Grantee) + g.ID}
}

// Create records the owner agency's grant of named personal fields of one business to
// another agency, for a purpose, until an expiry at most one year away, and returns it.
func (c *GrantContract) Create(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req domain.CreateGrantRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	b, err := loadBusiness(ctx, req.Record)
	if err != nil {
		return "", err
	}
	g, err := domain.NewGrant(req, &b, a)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	if existing, err := readRaw(stub, grantKey(g.ID)); err != nil {
		return "", err
	} else if existing != nil {
		return "", domain.Errorf(domain.CodeConflict, "grant %s already exists", g.ID)
	}
	state, err := createRecord(stub, grantKey(g.ID), g, b.OwnerOrg)
	if err != nil {
		return "", err
	}
	for _, k := range grantIndexKeys(&g) {
		if err := putIndex(stub, k, g.ID); err != nil {
			return "", err
		}
	}
	if err := emit(stub, domain.EventGrantCreated, domain.ContractGrant, g.ID, state); err != nil {
		return "", err
	}
	return string(state), nil
}

// Revoke ends a grant at once (the owner agency only; a reason is required).
func (c *GrantContract) Revoke(ctx contractapi.TransactionContextInterface, id string, reason string) (string, error) {
	if err := domain.ValidateGrantID(id); err != nil {
		return "", err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	g, err := loadGrant(stub, id)
	if err != nil {
		return "", err
	}
	if err := domain.RevokeGrant(&g, reason, a); err != nil {
		return "", err
	}
	state, err := writeJSON(stub, grantKey(id), g)
	if err != nil {
		return "", err
	}
	if err := emit(stub, domain.EventGrantRevoked, domain.ContractGrant, id, state); err != nil {
		return "", err
	}
	return string(state), nil
}

// Get returns a grant.
func (c *GrantContract) Get(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	if err := domain.ValidateGrantID(id); err != nil {
		return "", err
	}
	b, err := readRaw(ctx.GetStub(), grantKey(id))
	if err != nil {
		return "", err
	}
	if b == nil {
		return "", grantNotFound(id)
	}
	return string(b), nil
}

// List returns one page of grants, optionally only those of one business (record) and/or
// one grantee org, in id order.
func (c *GrantContract) List(ctx contractapi.TransactionContextInterface, record string, grantee string, pageSize int32, bookmark string) (string, error) {
	prefix := grantPrefix
	switch {
	case record != "" && grantee != "":
		prefix = grantPairPrefix(record, grantee)
	case record != "":
		prefix = grantRecordPrefix(record)
	case grantee != "":
		prefix = grantGranteePrefix(grantee)
	}
	if record != "" {
		if err := domain.ValidateUSCCFormat("record", record); err != nil {
			return "", err
		}
	}
	if grantee != "" && !domain.IsMemberOrg(grantee) {
		return "", domain.Errorf(domain.CodeInvalid, "grantee must be the MSP ID of a member agency, got %q", grantee)
	}
	stub := ctx.GetStub()
	p, err := rangePage(stub, prefix, pageSize, bookmark)
	if err != nil {
		return "", err
	}
	res := domain.GrantPage{Records: []domain.Grant{}, Bookmark: p.bookmark}
	for _, v := range p.values {
		var g domain.Grant
		if prefix == grantPrefix {
			if err := jsonDecode(v, &g); err != nil {
				return "", err
			}
		} else if g, err = loadGrant(stub, string(v)); err != nil {
			return "", err
		}
		res.Records = append(res.Records, g)
	}
	res.Fetched = len(res.Records)
	return toJSON(res)
}

// History returns one page of a grant's versions, newest first.
func (c *GrantContract) History(ctx contractapi.TransactionContextInterface, id string, pageSize int32, bookmark string) (string, error) {
	if err := domain.ValidateGrantID(id); err != nil {
		return "", err
	}
	return history(ctx.GetStub(), grantKey(id), "grant "+id, pageSize, bookmark)
}

func loadGrant(stub shim.ChaincodeStubInterface, id string) (domain.Grant, error) {
	var g domain.Grant
	if err := mustRead(stub, grantKey(id), &g, grantNotFound(id).Message); err != nil {
		return domain.Grant{}, err
	}
	return g, nil
}

func grantNotFound(id string) *domain.Error {
	return domain.Errorf(domain.CodeNotFound, "grant %s does not exist", id)
}

// grantsTo reads every grant of business uscc to org (any status).
func grantsTo(stub shim.ChaincodeStubInterface, uscc, org string) ([]domain.Grant, error) {
	prefix := grantPairPrefix(uscc, org)
	ids, err := scanRange(stub, prefix, prefix+rangeEnd)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Grant, 0, len(ids))
	for _, id := range ids {
		g, err := loadGrant(stub, string(id))
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}
