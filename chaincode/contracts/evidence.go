package contracts

import (
	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// evHashIndex makes (algorithm, hash) unique: + algorithm + "~" + hash → evidence id.
const evHashIndex = "idx~evihash~"

func evHashKey(alg, hash string) string { return evHashIndex + alg + "~" + hash }

// Deposit records one file digest and returns the evidence record.
func (c *EvidenceContract) Deposit(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req domain.DepositRequest
	if err := domain.DecodeJSON("request", []byte(request), &req); err != nil {
		return "", err
	}
	if err := req.Normalize(); err != nil {
		return "", err
	}
	records, states, err := deposit(ctx, []domain.DepositRequest{req}, "")
	if err != nil {
		return "", err
	}
	if err := emit(ctx.GetStub(), domain.EventEvidenceDeposited, domain.ContractEvidence, records[0].ID, states[0]); err != nil {
		return "", err
	}
	return string(states[0]), nil
}

// DepositBatch records 1..500 digests, all or nothing, and returns {"records":[…]}. The
// event carries the first record in key/state and all records in related.
func (c *EvidenceContract) DepositBatch(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req domain.DepositBatchRequest
	if err := domain.DecodeJSON("request", []byte(request), &req); err != nil {
		return "", err
	}
	if err := req.Normalize(); err != nil {
		return "", err
	}
	records, states, err := deposit(ctx, req.Items, "items")
	if err != nil {
		return "", err
	}
	related := make([]domain.RelatedRecord, len(records))
	for i := range records {
		related[i] = domain.RelatedRecord{Key: records[i].ID, State: states[i]}
	}
	if err := emit(ctx.GetStub(), domain.EventEvidenceBatchDeposited, domain.ContractEvidence, records[0].ID, states[0], related...); err != nil {
		return "", err
	}
	return toJSON(domain.EvidenceBatch{Records: records})
}

// deposit checks every (normalised) item against the hash index, then stores them all.
// Item i gets id EvidenceID(txID, i). label names items in errors ("" for a single one).
func deposit(ctx contractapi.TransactionContextInterface, items []domain.DepositRequest, label string) ([]domain.Evidence, [][]byte, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return nil, nil, err
	}
	stub := ctx.GetStub()
	for i, it := range items {
		existing, err := readRaw(stub, evHashKey(it.HashAlgorithm, it.Hash))
		if err != nil {
			return nil, nil, err
		}
		if existing != nil {
			where := ""
			if label != "" {
				where = label + "[" + itoa(i) + "]: "
			}
			return nil, nil, domain.Errorf(domain.CodeConflict, "%s%s hash %s is already deposited as evidence %s", where, it.HashAlgorithm, it.Hash, existing)
		}
	}
	records := make([]domain.Evidence, len(items))
	states := make([][]byte, len(items))
	for i, it := range items {
		id := domain.EvidenceID(a.TxID, i)
		if b, err := readRaw(stub, evidenceKey(id)); err != nil || b != nil {
			if err == nil {
				err = domain.Errorf(domain.CodeConflict, "evidence id %s is already taken", id)
			}
			return nil, nil, err
		}
		records[i] = domain.NewEvidence(id, it, a)
		if states[i], err = createRecord(stub, evidenceKey(id), records[i], a.Org); err != nil {
			return nil, nil, err
		}
		if err := putIndex(stub, evHashKey(it.HashAlgorithm, it.Hash), id); err != nil {
			return nil, nil, err
		}
	}
	return records, states, nil
}

// Certify records a notary's certification and returns the evidence record.
func (c *EvidenceContract) Certify(ctx contractapi.TransactionContextInterface, id string, request string) (string, error) {
	if err := domain.ValidateEvidenceID(id); err != nil {
		return "", err
	}
	var req domain.CertifyRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	return updateEvidence(ctx, id, domain.EventEvidenceCertified, func(e *domain.Evidence, a domain.Actor) error {
		return domain.CertifyEvidence(e, req, a)
	})
}

// Revoke withdraws an evidence record; only a depositor of the owning organisation may.
func (c *EvidenceContract) Revoke(ctx contractapi.TransactionContextInterface, id string, reason string) (string, error) {
	if err := domain.ValidateEvidenceID(id); err != nil {
		return "", err
	}
	return updateEvidence(ctx, id, domain.EventEvidenceRevoked, func(e *domain.Evidence, a domain.Actor) error {
		return domain.RevokeEvidence(e, reason, a)
	})
}

// Get returns an evidence record.
func (c *EvidenceContract) Get(ctx contractapi.TransactionContextInterface, id string) (string, error) {
	if err := domain.ValidateEvidenceID(id); err != nil {
		return "", err
	}
	return getEvidence(ctx.GetStub(), id)
}

// VerifyByHash returns the evidence record holding (algorithm, hash); NOT_FOUND if none.
func (c *EvidenceContract) VerifyByHash(ctx contractapi.TransactionContextInterface, algorithm string, hash string) (string, error) {
	alg, err := domain.NormalizeHashAlgorithm("algorithm", algorithm)
	if err != nil {
		return "", err
	}
	h, err := domain.NormalizeHash("hash", hash)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	id, err := readRaw(stub, evHashKey(alg, h))
	if err != nil {
		return "", err
	}
	if id == nil {
		return "", domain.Errorf(domain.CodeNotFound, "no evidence with %s hash %s", alg, h)
	}
	return getEvidence(stub, string(id))
}

// History returns one page of an evidence record's versions, newest first.
func (c *EvidenceContract) History(ctx contractapi.TransactionContextInterface, id string, pageSize int32, bookmark string) (string, error) {
	if err := domain.ValidateEvidenceID(id); err != nil {
		return "", err
	}
	return history(ctx.GetStub(), evidenceKey(id), "evidence "+id, pageSize, bookmark)
}

func updateEvidence(ctx contractapi.TransactionContextInterface, id, event string, change func(*domain.Evidence, domain.Actor) error) (string, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	var e domain.Evidence
	if err := mustRead(stub, evidenceKey(id), &e, evidenceNotFound(id)); err != nil {
		return "", err
	}
	if err := change(&e, a); err != nil {
		return "", err
	}
	state, err := writeJSON(stub, evidenceKey(id), e)
	if err != nil {
		return "", err
	}
	if err := emit(stub, event, domain.ContractEvidence, id, state); err != nil {
		return "", err
	}
	return string(state), nil
}

func getEvidence(stub shim.ChaincodeStubInterface, id string) (string, error) {
	b, err := readRaw(stub, evidenceKey(id))
	if err != nil {
		return "", err
	}
	if b == nil {
		return "", domain.Errorf(domain.CodeNotFound, "%s", evidenceNotFound(id))
	}
	return string(b), nil
}

func evidenceNotFound(id string) string { return "evidence " + id + " does not exist" }
