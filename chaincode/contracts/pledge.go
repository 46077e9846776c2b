package contracts

import (
	"fmt"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// Pledge indexes (simple keys, like the business indexes): by status and due date, and by
// due date alone. Dates are YYYY-MM-DD, so key order is due-date order.
const (
	pledgeStatusIndex = "idx~pledgest~"  // + status + "~" + due_on + "\x01" + uscc → uscc
	pledgeDueIndex    = "idx~pledgedue~" // + due_on + "\x01" + uscc → uscc
)

func pledgeStatusPrefix(status string) string { return pledgeStatusIndex + status + "~" }

func pledgeStatusKey(p *domain.Pledge, uscc string) string {
	return pledgeStatusPrefix(p.Status) + p.DueOn + "\x01" + uscc
}

func pledgeDueKey(p *domain.Pledge, uscc string) string {
	return pledgeDueIndex + p.DueOn + "\x01" + uscc
}

// putPledgeIndexes indexes a new pledge.
func putPledgeIndexes(stub shim.ChaincodeStubInterface, b *domain.Business) error {
	if b.Pledge == nil {
		return nil
	}
	if err := putIndex(stub, pledgeStatusKey(b.Pledge, b.USCC), b.USCC); err != nil {
		return err
	}
	return putIndex(stub, pledgeDueKey(b.Pledge, b.USCC), b.USCC)
}

// movePledgeIndex re-files a pledge whose status changed from oldStatus.
func movePledgeIndex(stub shim.ChaincodeStubInterface, oldStatus string, b *domain.Business) error {
	if b.Pledge == nil || oldStatus == b.Pledge.Status {
		return nil
	}
	old := *b.Pledge
	old.Status = oldStatus
	if err := delIndex(stub, pledgeStatusKey(&old, b.USCC)); err != nil {
		return err
	}
	return putIndex(stub, pledgeStatusKey(b.Pledge, b.USCC), b.USCC)
}

// loadEvidence returns the evidence record id, or nil when none is deposited.
func loadEvidence(stub shim.ChaincodeStubInterface, id string) (*domain.Evidence, error) {
	var e domain.Evidence
	found, err := readJSON(stub, evidenceKey(id), &e)
	if err != nil || !found {
		return nil, err
	}
	return &e, nil
}

// materialEvidence loads and checks the evidence of each material a registration lists.
func materialEvidence(stub shim.ChaincodeStubInterface, refs []domain.MaterialRef) ([]domain.Evidence, error) {
	out := make([]domain.Evidence, 0, len(refs))
	for i, m := range refs {
		e, err := loadEvidence(stub, m.EvidenceID)
		if err != nil {
			return nil, err
		}
		if err := domain.CheckMaterialEvidence(fmt.Sprintf("materials[%d] (%s)", i, m.Material), m.EvidenceID, e); err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, nil
}

// SupplyMaterial records a pledged material, proven by deposited evidence that is not
// revoked, and returns the business; the pledge is FULFILLED when nothing is missing.
func (c *BusinessContract) SupplyMaterial(ctx contractapi.TransactionContextInterface, uscc string, request string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	var req domain.MaterialRef
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	return changeBusiness(ctx, uscc, func(b *domain.Business, a domain.Actor) (string, []domain.RelatedRecord, error) {
		e, err := loadEvidence(ctx.GetStub(), req.EvidenceID)
		if err != nil {
			return "", nil, err
		}
		if err := domain.CheckMaterialEvidence("evidence_id", req.EvidenceID, e); err != nil {
			return "", nil, err
		}
		fulfilled, err := domain.SupplyMaterial(b, req, e, a)
		if err != nil {
			return "", nil, err
		}
		if fulfilled {
			return domain.EventPledgeFulfilled, nil, nil
		}
		return domain.EventBusinessMaterialSupplied, nil, nil
	})
}

// CheckOverduePledges breaks every OPEN pledge due before the transaction's date (China
// Standard Time), at most domain.MaxOverduePerTx per call: the pledge becomes BROKEN, an
// ACTIVE business SUSPENDED, and a credit record is written. One PledgesBroken event
// carries the businesses and credit records when any broke.
func (c *BusinessContract) CheckOverduePledges(ctx contractapi.TransactionContextInterface) (string, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	today, err := domain.TxDate(a.At)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	// A range query, not a paginated one: Fabric allows only the former in a transaction
	// that writes. Read one more than a check breaks, to know whether more remain.
	prefix := pledgeStatusPrefix(domain.PledgeOpen)
	it, err := stub.GetStateByRange(prefix, prefix+today)
	if err != nil {
		return "", fmt.Errorf("range %q: %w", prefix, err)
	}
	var usccs []string
	for it.HasNext() && len(usccs) <= domain.MaxOverduePerTx {
		kv, err := it.Next()
		if err != nil {
			it.Close()
			return "", fmt.Errorf("range %q: %w", prefix, err)
		}
		usccs = append(usccs, string(kv.Value))
	}
	it.Close()
	res := domain.OverdueCheck{AsOf: today, Broken: []domain.BrokenPledge{}}
	if len(usccs) > domain.MaxOverduePerTx {
		usccs, res.Remaining = usccs[:domain.MaxOverduePerTx], true
	}
	var related []domain.RelatedRecord
	for _, uscc := range usccs {
		b, err := loadBusiness(ctx, uscc)
		if err != nil {
			return "", err
		}
		before := indexedOf(&b)
		cr, err := domain.BreakPledge(&b, a)
		if err != nil {
			return "", err
		}
		state, err := saveBusiness(stub, before, &b)
		if err != nil {
			return "", err
		}
		crState, err := createRecord(stub, creditKey(&cr), cr, domain.MarketMSP)
		if err != nil {
			return "", err
		}
		related = append(related,
			domain.RelatedRecord{Key: uscc, State: state},
			domain.RelatedRecord{Key: cr.ID, State: crState})
		res.Broken = append(res.Broken, domain.BrokenPledge{
			USCC: uscc, Name: b.Name, DueOn: b.Pledge.DueOn, Missing: b.Pledge.Missing,
			BusinessStatus: b.Status, CreditRecordID: cr.ID,
		})
	}
	out, err := toJSON(res)
	if err != nil {
		return "", err
	}
	if len(related) > 0 {
		if err := emit(stub, domain.EventPledgesBroken, domain.ContractBusiness, res.Broken[0].USCC, related[0].State, related...); err != nil {
			return "", err
		}
	}
	return out, nil
}

// ListPledges returns one page of pledges ordered by due date, optionally only those in
// status and/or due before dueBefore (YYYY-MM-DD, exclusive).
func (c *BusinessContract) ListPledges(ctx contractapi.TransactionContextInterface, status string, dueBefore string, pageSize int32, bookmark string) (string, error) {
	if err := domain.ValidatePledgeFilter(status, dueBefore); err != nil {
		return "", err
	}
	prefix := pledgeDueIndex
	if status != "" {
		prefix = pledgeStatusPrefix(status)
	}
	end := prefix + rangeEnd
	if dueBefore != "" {
		end = prefix + dueBefore
	}
	p, err := rangePageTo(ctx.GetStub(), prefix, end, pageSize, bookmark)
	if err != nil {
		return "", err
	}
	res := domain.PledgePage{Records: []domain.PledgeSummary{}, Bookmark: p.bookmark}
	for _, uscc := range p.values {
		b, err := loadBusiness(ctx, string(uscc))
		if err != nil {
			return "", err
		}
		if b.Pledge == nil {
			return "", fmt.Errorf("pledge index names business %s, which has no pledge", uscc)
		}
		res.Records = append(res.Records, domain.PledgeSummary{USCC: b.USCC, Name: b.Name, BusinessStatus: b.Status, Pledge: *b.Pledge})
	}
	res.Fetched = len(res.Records)
	return toJSON(res)
}

// Credit returns one page of a business's credit records, oldest first. Every member
// agency reads them.
func (c *BusinessContract) Credit(ctx contractapi.TransactionContextInterface, uscc string, pageSize int32, bookmark string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	if _, err := loadBusiness(ctx, uscc); err != nil {
		return "", err
	}
	p, err := rangePage(ctx.GetStub(), creditPrefixOf(uscc), pageSize, bookmark)
	if err != nil {
		return "", err
	}
	res := domain.CreditPage{Records: []domain.CreditRecord{}, Bookmark: p.bookmark}
	for _, v := range p.values {
		var cr domain.CreditRecord
		if err := jsonDecode(v, &cr); err != nil {
			return "", err
		}
		res.Records = append(res.Records, cr)
	}
	res.Fetched = len(res.Records)
	return toJSON(res)
}
