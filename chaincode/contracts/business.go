package contracts

import (
	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// Register records a new business (ACTIVE) and returns it.
func (c *BusinessContract) Register(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	return register(ctx, request, "")
}

// RegisterWithPersonal records a new business and binds the personal data that
// personal:Stage wrote into the owner's private collection (by the hashes every peer
// holds), and returns it.
func (c *BusinessContract) RegisterWithPersonal(ctx contractapi.TransactionContextInterface, request string, stageID string) (string, error) {
	if err := domain.ValidateTxID("stageID", stageID); err != nil {
		return "", err
	}
	return register(ctx, request, stageID)
}

func register(ctx contractapi.TransactionContextInterface, request, stageID string) (string, error) {
	var req domain.RegisterBusinessRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	var existing domain.Business
	found, err := readJSON(stub, businessKey(req.USCC), &existing)
	if err != nil {
		return "", err
	}
	if found {
		return "", domain.Errorf(domain.CodeConflict, "business %s is already registered (%s, status %s)", req.USCC, existing.Name, existing.Status)
	}
	b := domain.NewBusiness(req, a)
	if len(req.Materials) > 0 || req.Pledge != nil {
		evidence, err := materialEvidence(stub, req.Materials)
		if err != nil {
			return "", err
		}
		if err := domain.AttachMaterials(&b, req, evidence, a); err != nil {
			return "", err
		}
	}
	if stageID != "" {
		refs, err := stagedRefs(stub, a.Org, req.USCC, stageID)
		if err != nil {
			return "", err
		}
		if err := domain.BindPersonal(&b, refs); err != nil {
			return "", err
		}
	}
	licence, err := issueLicence(stub, &b, a)
	if err != nil {
		return "", err
	}
	state, err := createRecord(stub, businessKey(b.USCC), b, a.Org)
	if err != nil {
		return "", err
	}
	if err := putBusinessIndexes(stub, &b); err != nil {
		return "", err
	}
	if err := putPledgeIndexes(stub, &b); err != nil {
		return "", err
	}
	if err := emit(stub, domain.EventBusinessRegistered, domain.ContractBusiness, b.USCC, state, licence); err != nil {
		return "", err
	}
	return string(state), nil
}

// Amend changes some of a business's registered particulars, issues the next licence
// version, and returns the business.
func (c *BusinessContract) Amend(ctx contractapi.TransactionContextInterface, uscc string, request string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	var req domain.AmendBusinessRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	return changeBusiness(ctx, uscc, func(b *domain.Business, a domain.Actor) (string, []domain.RelatedRecord, error) {
		if err := domain.ApplyAmendment(b, req, a); err != nil {
			return "", nil, err
		}
		// A business registered before licences gets its first one here.
		var related []domain.RelatedRecord
		if domain.LicencePrinted(b.Amendments[len(b.Amendments)-1].Changes) {
			licence, err := issueLicence(ctx.GetStub(), b, a)
			if err != nil {
				return "", nil, err
			}
			related = append(related, licence)
		}
		return domain.EventBusinessAmended, related, nil
	})
}

// ChangeStatus moves a business along its status machine and returns it.
func (c *BusinessContract) ChangeStatus(ctx contractapi.TransactionContextInterface, uscc string, status string, reason string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	if err := domain.ValidateStatusChange(status, reason); err != nil {
		return "", err
	}
	return changeBusiness(ctx, uscc, fixedEvent(domain.EventBusinessStatusChanged, func(b *domain.Business, a domain.Actor) error {
		return domain.ChangeBusinessStatus(b, status, reason, a)
	}))
}

// AmendPersonal binds the personal values staged by request.stage_id in place of the
// current ones (the other fields keep theirs) and records the change, hash to hash.
func (c *BusinessContract) AmendPersonal(ctx contractapi.TransactionContextInterface, uscc string, request string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	var req domain.PersonalAmendRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	return changeBusiness(ctx, uscc, fixedEvent(domain.EventBusinessPersonalAmended, func(b *domain.Business, a domain.Actor) error {
		if err := personalWritable(b, a.Org); err != nil {
			return err
		}
		refs, err := stagedRefs(ctx.GetStub(), b.OwnerOrg, uscc, req.StageID)
		if err != nil {
			return err
		}
		return domain.AmendPersonal(b, refs, req.Reason, a)
	}))
}

// ErasePersonal marks the personal data of a DEREGISTERED business erased, so that nothing
// reads it any more; personal:Erase then purges the values from the owner's peers.
func (c *BusinessContract) ErasePersonal(ctx contractapi.TransactionContextInterface, uscc string, reason string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	return changeBusiness(ctx, uscc, fixedEvent(domain.EventBusinessPersonalErased, func(b *domain.Business, a domain.Actor) error {
		if b.OwnerOrg != a.Org {
			return domain.Errorf(domain.CodeForbidden, "only %s, which owns business %s, may erase its personal data; caller is %s", b.OwnerOrg, uscc, a.Org)
		}
		return domain.ErasePersonal(b, reason, a)
	}))
}

// businessChange changes a loaded business as actor a and names the event to emit and the
// other records the transaction wrote (for the event's related).
type businessChange func(b *domain.Business, a domain.Actor) (event string, related []domain.RelatedRecord, err error)

// fixedEvent is a businessChange that always emits name and writes no other record.
func fixedEvent(name string, change func(*domain.Business, domain.Actor) error) businessChange {
	return func(b *domain.Business, a domain.Actor) (string, []domain.RelatedRecord, error) {
		return name, nil, change(b, a)
	}
}

// changeBusiness loads a business, applies change, stores it (saveBusiness) and emits the
// change's event; it returns the stored business.
func changeBusiness(ctx contractapi.TransactionContextInterface, uscc string, change businessChange) (string, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	b, err := loadBusiness(ctx, uscc)
	if err != nil {
		return "", err
	}
	before := indexedOf(&b)
	name, related, err := change(&b, a)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	state, err := saveBusiness(stub, before, &b)
	if err != nil {
		return "", err
	}
	if err := emit(stub, name, domain.ContractBusiness, uscc, state, related...); err != nil {
		return "", err
	}
	return string(state), nil
}

// indexed is what a business's index entries are filed under.
type indexed struct{ name, status, pledge string }

func indexedOf(b *domain.Business) indexed {
	i := indexed{name: b.Name, status: b.Status}
	if b.Pledge != nil {
		i.pledge = b.Pledge.Status
	}
	return i
}

// saveBusiness stores a changed business and re-files the index entries (name, status,
// pledge) that changed since before; it returns the stored bytes.
func saveBusiness(stub shim.ChaincodeStubInterface, before indexed, b *domain.Business) ([]byte, error) {
	state, err := writeJSON(stub, businessKey(b.USCC), b)
	if err != nil {
		return nil, err
	}
	if err := moveBusinessIndexes(stub, before.name, before.status, b); err != nil {
		return nil, err
	}
	if err := movePledgeIndex(stub, before.pledge, b); err != nil {
		return nil, err
	}
	return state, nil
}

// Get returns a business.
func (c *BusinessContract) Get(ctx contractapi.TransactionContextInterface, uscc string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	b, err := readRaw(ctx.GetStub(), businessKey(uscc))
	if err != nil {
		return "", err
	}
	if b == nil {
		return "", notRegistered(uscc)
	}
	return string(b), nil
}

// List returns one page of businesses ordered by name, optionally only those in status
// and/or whose name starts with namePrefix.
func (c *BusinessContract) List(ctx contractapi.TransactionContextInterface, status string, namePrefix string, pageSize int32, bookmark string) (string, error) {
	prefix := bizNameIndex
	if status != "" {
		if !domain.IsBusinessStatus(status) {
			return "", domain.Errorf(domain.CodeInvalid, "status must be empty or one of %v, got %q", domain.BusinessStatuses(), status)
		}
		prefix = bizStatusPrefix(status)
	}
	if err := domain.ValidateNamePrefix(namePrefix); err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	p, err := rangePage(stub, prefix+namePrefix, pageSize, bookmark)
	if err != nil {
		return "", err
	}
	res := domain.BusinessPage{Records: []domain.Business{}, Bookmark: p.bookmark}
	for _, uscc := range p.values {
		b, err := loadBusiness(ctx, string(uscc))
		if err != nil {
			return "", err
		}
		res.Records = append(res.Records, b)
	}
	res.Fetched = len(res.Records)
	return toJSON(res)
}

// History returns one page of a business's versions, newest first.
func (c *BusinessContract) History(ctx contractapi.TransactionContextInterface, uscc string, pageSize int32, bookmark string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	return history(ctx.GetStub(), businessKey(uscc), "business "+uscc, pageSize, bookmark)
}

func loadBusiness(ctx contractapi.TransactionContextInterface, uscc string) (domain.Business, error) {
	var b domain.Business
	found, err := readJSON(ctx.GetStub(), businessKey(uscc), &b)
	if err != nil {
		return domain.Business{}, err
	}
	if !found {
		return domain.Business{}, notRegistered(uscc)
	}
	return b, nil
}

func notRegistered(uscc string) error {
	return domain.Errorf(domain.CodeNotFound, "business %s is not registered", uscc)
}
