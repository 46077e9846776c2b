package contracts

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// Transient keys of the personal contract. Personal values only ever arrive as transient
// data, which Fabric never writes into a transaction or a block.
const (
	transientPersonal = "personal" // personal:Stage: domain.StageInput JSON
	transientValue    = "value"    // personal:Verify: the value to check
)

// Stage writes personal values into the owner's private data collection, one private key
// per field under this transaction's id, and returns their hashes. It writes no public
// state, so the collection's endorsement policy (the owner's peer alone) decides: the
// values never reach another agency's peer. A later business transaction binds the stage.
func (c *PersonalContract) Stage(ctx contractapi.TransactionContextInterface, uscc string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	transient, err := stub.GetTransient()
	if err != nil {
		return "", fmt.Errorf("read transient data: %w", err)
	}
	raw, ok := transient[transientPersonal]
	if !ok {
		return "", domain.Errorf(domain.CodeInvalid, "personal values must be sent as transient data under key %q, never as arguments", transientPersonal)
	}
	var in domain.StageInput
	if err := domain.DecodeValid("personal", raw, &in); err != nil {
		return "", err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	var b domain.Business
	found, err := readJSON(stub, businessKey(uscc), &b)
	if err != nil {
		return "", err
	}
	if found {
		if err := personalWritable(&b, a.Org); err != nil {
			return "", err
		}
	}
	coll := domain.PersonalCollection(a.Org)
	stages, err := readStages(stub, coll, uscc)
	if err != nil {
		return "", err
	}
	if err := writeStages(stub, coll, uscc, append(stages, a.TxID)); err != nil {
		return "", err
	}
	res := domain.StageResult{USCC: uscc, StageID: a.TxID, Hashes: map[string]string{}}
	for _, f := range domain.PersonalFields() {
		sv, ok := in[f]
		if !ok {
			continue
		}
		if err := stub.PutPrivateData(coll, personalKey(uscc, a.TxID, f), domain.PersonalPreimage(f, sv.Salt, sv.Value)); err != nil {
			return "", fmt.Errorf("write private %s: %w", f, err)
		}
		res.Hashes[f] = domain.PersonalHash(f, sv.Salt, sv.Value)
	}
	state, err := toJSON(res)
	if err != nil {
		return "", err
	}
	if err := emit(stub, domain.EventPersonalDataStaged, domain.ContractPersonal, uscc, []byte(state)); err != nil {
		return "", err
	}
	return state, nil
}

// Prune purges every private value of a business that its public record does not bind:
// values superseded by an amendment, and stages whose binding transaction never committed.
// For a business that is not registered, every staged value is purged.
func (c *PersonalContract) Prune(ctx contractapi.TransactionContextInterface, uscc string) (string, error) {
	return purgePersonal(ctx, uscc, false)
}

// Erase purges every private value of a business whose personal data its public record
// marks erased (business:ErasePersonal): the hashes and the whole trail remain.
func (c *PersonalContract) Erase(ctx contractapi.TransactionContextInterface, uscc string) (string, error) {
	return purgePersonal(ctx, uscc, true)
}

func purgePersonal(ctx contractapi.TransactionContextInterface, uscc string, erase bool) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	var b domain.Business
	found, err := readJSON(stub, businessKey(uscc), &b)
	if err != nil {
		return "", err
	}
	bound := map[string]bool{} // private keys the public record binds
	switch {
	case found && b.OwnerOrg != a.Org:
		return "", domain.Errorf(domain.CodeForbidden, "only %s, which owns business %s, may purge its personal data; caller is %s", b.OwnerOrg, uscc, a.Org)
	case erase && !found:
		return "", notRegistered(uscc)
	case erase && (b.Personal == nil || b.Personal.Erased == nil):
		return "", domain.Errorf(domain.CodeConflict, "the personal data of business %s is not marked erased; erase it with business:ErasePersonal first (only once the business is %s)", uscc, domain.StatusDeregistered)
	case !erase && found && b.Personal != nil:
		for _, r := range b.Personal.Fields {
			bound[personalKey(uscc, r.StageTxID, r.Field)] = true
		}
	}
	// Fabric refuses private writes (a purge is one) in a transaction that ran a range
	// query over private data, so the stages are found through the stage list, by point reads.
	coll := domain.PersonalCollection(a.Org)
	stages, err := readStages(stub, coll, uscc)
	if err != nil {
		return "", err
	}
	var keep []string
	purged := 0
	for _, stage := range stages {
		kept := false
		for _, f := range domain.PersonalFields() {
			k := personalKey(uscc, stage, f)
			if bound[k] {
				kept = true
				continue
			}
			h, err := stub.GetPrivateDataHash(coll, k)
			if err != nil {
				return "", fmt.Errorf("read private data hash: %w", err)
			}
			if len(h) == 0 {
				continue
			}
			if err := stub.PurgePrivateData(coll, k); err != nil {
				return "", fmt.Errorf("purge private data: %w", err)
			}
			purged++
		}
		if kept {
			keep = append(keep, stage)
		}
	}
	if purged == 0 {
		// A transaction that writes nothing would be judged by the chaincode's endorsement
		// policy, not the collection's, and fail at commit: refuse it here instead.
		what := "unbound personal values"
		if erase {
			what = "personal values"
		}
		return "", domain.Errorf(domain.CodeConflict, "nothing to purge: this peer holds no %s of business %s", what, uscc)
	}
	if len(keep) != len(stages) {
		if err := writeStages(stub, coll, uscc, keep); err != nil {
			return "", err
		}
	}
	state, err := toJSON(domain.PurgeResult{USCC: uscc, Purged: purged})
	if err != nil {
		return "", err
	}
	if err := emit(stub, domain.EventPersonalDataPurged, domain.ContractPersonal, uscc, []byte(state)); err != nil {
		return "", err
	}
	return state, nil
}

// Read delivers the personal values an access record of the caller authorises. It is a
// query, answered only on the owner's peer (the only one holding the values), so the values
// never enter a transaction or a block; the access was committed before it.
func (c *PersonalContract) Read(ctx contractapi.TransactionContextInterface, accessID string) (string, error) {
	rec, b, err := deliverable(ctx, accessID, domain.AccessRead)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	if rec.Basis == domain.BasisGrant {
		now, err := txTime(ctx)
		if err != nil {
			return "", err
		}
		var g domain.Grant
		if err := mustRead(stub, grantKey(rec.GrantID), &g, "grant "+rec.GrantID+" does not exist"); err != nil {
			return "", err
		}
		if !g.InForceAt(now) {
			return "", domain.Errorf(domain.CodeForbidden, "grant %s is no longer in force (%s, expires %s); access %s cannot be served", g.ID, g.Status, g.ExpiresAt, rec.ID)
		}
	}
	res := domain.PersonalReadResult{Record: rec.Record, AccessID: rec.ID, Purpose: rec.Purpose, Basis: rec.Basis, GrantID: rec.GrantID, Fields: map[string]domain.PersonalValue{}}
	for _, f := range rec.Fields {
		_, salt, value, hash, err := privateValue(stub, b, rec, f)
		if err != nil {
			return "", err
		}
		res.Fields[f] = domain.PersonalValue{Value: value, Salt: salt, Hash: hash}
	}
	return toJSON(res)
}

// Verify answers whether the value the caller sends (transient key "value") is the one the
// record holds, for the field of the caller's VERIFY access record. Nothing is disclosed.
func (c *PersonalContract) Verify(ctx contractapi.TransactionContextInterface, accessID string) (string, error) {
	rec, b, err := deliverable(ctx, accessID, domain.AccessVerify)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	transient, err := stub.GetTransient()
	if err != nil {
		return "", fmt.Errorf("read transient data: %w", err)
	}
	candidate, ok := transient[transientValue]
	if !ok {
		return "", domain.Errorf(domain.CodeInvalid, "the value to verify must be sent as transient data under key %q", transientValue)
	}
	f := rec.Fields[0]
	field, salt, _, hash, err := privateValue(stub, b, rec, f)
	if err != nil {
		return "", err
	}
	match := domain.PersonalHash(field, salt, string(candidate)) == hash
	return toJSON(domain.VerifyResult{Record: rec.Record, Field: f, Match: match, AccessID: rec.ID})
}

// deliverable loads the caller's access record of kind and its business, and checks that
// it may be served now (domain.CheckDelivery) and that the personal data is not erased.
func deliverable(ctx contractapi.TransactionContextInterface, accessID, kind string) (domain.AccessRecord, domain.Business, error) {
	if err := domain.ValidateTxID("access id", accessID); err != nil {
		return domain.AccessRecord{}, domain.Business{}, err
	}
	c, err := callerOf(ctx)
	if err != nil {
		return domain.AccessRecord{}, domain.Business{}, err
	}
	now, err := txTime(ctx)
	if err != nil {
		return domain.AccessRecord{}, domain.Business{}, err
	}
	stub := ctx.GetStub()
	var rec domain.AccessRecord
	if err := mustRead(stub, accessKey(accessID), &rec, "access "+accessID+" is not recorded on this peer's ledger"); err != nil {
		return domain.AccessRecord{}, domain.Business{}, err
	}
	if err := domain.CheckDelivery(rec, kind, c.certHash, now); err != nil {
		return domain.AccessRecord{}, domain.Business{}, err
	}
	b, err := loadBusiness(ctx, rec.Record)
	if err != nil {
		return domain.AccessRecord{}, domain.Business{}, err
	}
	if b.Personal != nil && b.Personal.Erased != nil {
		return domain.AccessRecord{}, domain.Business{}, domain.Errorf(domain.CodeConflict, "the personal data of business %s was erased at %s", b.USCC, b.Personal.Erased.At)
	}
	return rec, b, nil
}

// privateValue reads field f of b as bound when rec was recorded, checks it against the
// public hash and splits it.
func privateValue(stub shim.ChaincodeStubInterface, b domain.Business, rec domain.AccessRecord, f string) (field, salt, value, hash string, err error) {
	ref, ok := b.Personal.Field(f)
	if !ok {
		return "", "", "", "", domain.Errorf(domain.CodeNotFound, "business %s has no %s registered", b.USCC, f)
	}
	if ref.Hash != rec.FieldHashes[f] {
		return "", "", "", "", domain.Errorf(domain.CodeConflict, "%s of business %s changed after access %s was recorded; request access again", f, b.USCC, rec.ID)
	}
	raw, err := stub.GetPrivateData(domain.PersonalCollection(b.OwnerOrg), personalKey(b.USCC, ref.StageTxID, f))
	if err != nil {
		return "", "", "", "", fmt.Errorf("read private %s: %w", f, err)
	}
	if raw == nil {
		return "", "", "", "", domain.Errorf(domain.CodeNotFound, "this peer does not hold the personal data of business %s; only a peer of %s does", b.USCC, b.OwnerOrg)
	}
	sum := sha256.Sum256(raw)
	if hex.EncodeToString(sum[:]) != ref.Hash {
		return "", "", "", "", fmt.Errorf("integrity: the private %s of business %s does not match its public hash", f, b.USCC)
	}
	field, salt, value, ok = domain.ParsePersonalValue(raw)
	if !ok || field != f {
		return "", "", "", "", fmt.Errorf("integrity: the private %s of business %s is malformed", f, b.USCC)
	}
	return field, salt, value, ref.Hash, nil
}

// personalWritable checks that org may change the personal data of b.
func personalWritable(b *domain.Business, org string) error {
	if b.OwnerOrg != org {
		return domain.Errorf(domain.CodeForbidden, "only %s, which owns business %s, may write its personal data; caller is %s", b.OwnerOrg, b.USCC, org)
	}
	if domain.IsFinalStatus(b.Status) {
		return domain.Errorf(domain.CodeConflict, "business %s is %s; its personal data can no longer change", b.USCC, b.Status)
	}
	if b.Personal != nil && b.Personal.Erased != nil {
		return domain.Errorf(domain.CodeConflict, "the personal data of business %s was erased at %s", b.USCC, b.Personal.Erased.At)
	}
	return nil
}

// stagedRefs reads, on any peer, the hashes of the values staged by stageID for uscc
// (GetPrivateDataHash needs no membership) and returns their references.
func stagedRefs(stub shim.ChaincodeStubInterface, owner, uscc, stageID string) ([]domain.PersonalFieldRef, error) {
	coll := domain.PersonalCollection(owner)
	var refs []domain.PersonalFieldRef
	for _, f := range domain.PersonalFields() {
		h, err := stub.GetPrivateDataHash(coll, personalKey(uscc, stageID, f))
		if err != nil {
			return nil, fmt.Errorf("read private data hash of %s: %w", f, err)
		}
		if len(h) == 0 {
			continue
		}
		refs = append(refs, domain.PersonalFieldRef{Field: f, Hash: hex.EncodeToString(h), StageTxID: stageID})
	}
	if len(refs) == 0 {
		return nil, domain.Errorf(domain.CodeNotFound, "no personal data staged by %s for business %s is on this peer's ledger", stageID, uscc)
	}
	return refs, nil
}

// stageListKey is the private key listing a business's stages (their transaction ids), in
// the order they were written.
func stageListKey(uscc string) string { return personalPrefix + "stages~" + uscc }

func readStages(stub shim.ChaincodeStubInterface, coll, uscc string) ([]string, error) {
	raw, err := stub.GetPrivateData(coll, stageListKey(uscc))
	if err != nil {
		return nil, fmt.Errorf("read stage list: %w", err)
	}
	var stages []string
	if raw != nil {
		if err := json.Unmarshal(raw, &stages); err != nil {
			return nil, fmt.Errorf("decode stage list: %w", err)
		}
	}
	return stages, nil
}

// writeStages stores the stage list, or purges it once empty.
func writeStages(stub shim.ChaincodeStubInterface, coll, uscc string, stages []string) error {
	if len(stages) == 0 {
		if err := stub.PurgePrivateData(coll, stageListKey(uscc)); err != nil {
			return fmt.Errorf("purge stage list: %w", err)
		}
		return nil
	}
	b, err := json.Marshal(stages)
	if err != nil {
		return err
	}
	if err := stub.PutPrivateData(coll, stageListKey(uscc), b); err != nil {
		return fmt.Errorf("write stage list: %w", err)
	}
	return nil
}
