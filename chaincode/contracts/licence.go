package contracts

import (
	"fmt"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// issueLicence issues the next licence version of b (whose record the caller then writes),
// stores it under its own key and returns it as a related record of the transaction's event.
func issueLicence(stub shim.ChaincodeStubInterface, b *domain.Business, a domain.Actor) (domain.RelatedRecord, error) {
	_, rel, err := issueLicenceVersion(stub, b, a)
	return rel, err
}

// issueLicenceVersion is issueLicence that also returns the licence (a transaction does not
// read its own writes).
func issueLicenceVersion(stub shim.ChaincodeStubInterface, b *domain.Business, a domain.Actor) (domain.Licence, domain.RelatedRecord, error) {
	l, err := domain.IssueLicence(b, a)
	if err != nil {
		return domain.Licence{}, domain.RelatedRecord{}, err
	}
	// The business record orders versions: no other key of this version can have committed.
	state, err := createRecord(stub, licenceKey(b.USCC, l.Version, a.TxID), l, domain.MarketMSP)
	if err != nil {
		return domain.Licence{}, domain.RelatedRecord{}, err
	}
	return l, domain.RelatedRecord{Key: l.LicenceNumber, State: state}, nil
}

// loadLicence returns version v of a business's licence, or nil when none is recorded.
func loadLicence(stub shim.ChaincodeStubInterface, uscc string, v int) (*domain.Licence, error) {
	prefix := licenceVersionPrefix(uscc, v)
	values, err := scanRange(stub, prefix, prefix+rangeEnd)
	if err != nil || len(values) == 0 {
		return nil, err
	}
	if len(values) > 1 {
		return nil, fmt.Errorf("business %s has %d records of licence version %d", uscc, len(values), v)
	}
	var l domain.Licence
	if err := jsonDecode(values[0], &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// licenceView builds the answer for version v (0 = current) of b's licence.
func licenceView(stub shim.ChaincodeStubInterface, b *domain.Business, v int) (domain.LicenceView, error) {
	if b.Licence == nil {
		return domain.LicenceView{}, domain.Errorf(domain.CodeNotFound,
			"business %s has no electronic licence yet (registered before licences were issued); a registrar issues it: business:IssueLicence, POST /api/v1/businesses/%s/licence", b.USCC, b.USCC)
	}
	cur := b.Licence.Version
	if v == 0 {
		v = cur
	}
	if v < 0 || v > cur {
		return domain.LicenceView{}, domain.Errorf(domain.CodeNotFound, "business %s has no licence version %d; its current version is %d", b.USCC, v, cur)
	}
	l, err := loadLicence(stub, b.USCC, v)
	if err != nil {
		return domain.LicenceView{}, err
	}
	if l == nil {
		return domain.LicenceView{}, domain.Errorf(domain.CodeNotFound, "licence version %d of business %s is not recorded", v, b.USCC)
	}
	return domain.ViewOf(*l, b), nil
}

// IssueLicence issues the first licence of a business registered before licences existed
// and returns it (CONFLICT when it has one, or when the business is closed).
func (c *BusinessContract) IssueLicence(ctx contractapi.TransactionContextInterface, uscc string) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	var view domain.LicenceView
	_, err := changeBusiness(ctx, uscc, func(b *domain.Business, a domain.Actor) (string, []domain.RelatedRecord, error) {
		if b.Licence != nil {
			return "", nil, domain.Errorf(domain.CodeConflict, "business %s already has licence %s (version %d); amendments issue new versions", uscc, b.Licence.LicenceNumber, b.Licence.Version)
		}
		if domain.IsFinalStatus(b.Status) {
			return "", nil, domain.Errorf(domain.CodeConflict, "business %s is %s; no licence is issued to it", uscc, b.Status)
		}
		l, rel, err := issueLicenceVersion(ctx.GetStub(), b, a)
		if err != nil {
			return "", nil, err
		}
		b.Touch(a)
		// A transaction does not read its own writes: the answer is built from what it wrote.
		view = domain.ViewOf(l, b)
		return domain.EventLicenceIssued, []domain.RelatedRecord{rel}, nil
	})
	if err != nil {
		return "", err
	}
	return toJSON(view)
}

// Licence returns version (0 = the current one) of a business's licence with the
// business's standing and the payload of its QR code.
func (c *BusinessContract) Licence(ctx contractapi.TransactionContextInterface, uscc string, version int32) (string, error) {
	if err := domain.ValidateUSCCFormat("uscc", uscc); err != nil {
		return "", err
	}
	if version < 0 || version > domain.MaxLicenceVersion {
		return "", domain.Errorf(domain.CodeInvalid, "version must be 0 (current) or 1..%d, got %d", domain.MaxLicenceVersion, version)
	}
	b, err := loadBusiness(ctx, uscc)
	if err != nil {
		return "", err
	}
	view, err := licenceView(ctx.GetStub(), &b, int(version))
	if err != nil {
		return "", err
	}
	return toJSON(view)
}

// VerifyLicence judges a presented licence JSON or QR payload against the ledger: valid
// (recorded, unaltered), current, the business's status, and what was altered. An unknown
// business or version is an answer (UNKNOWN), not an error.
func (c *BusinessContract) VerifyLicence(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req domain.VerifyLicenceRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	uscc, version, _ := req.Subject()
	stub := ctx.GetStub()
	var b domain.Business
	found, err := readJSON(stub, businessKey(uscc), &b)
	if err != nil {
		return "", err
	}
	var recorded *domain.Licence
	current, status := 0, ""
	if found && b.Licence != nil {
		current, status = b.Licence.Version, b.Status
		if version <= current {
			if recorded, err = loadLicence(stub, uscc, version); err != nil {
				return "", err
			}
		}
	}
	return toJSON(domain.VerifyLicence(req, recorded, current, status))
}
