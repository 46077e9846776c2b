package contracts

import (
	"fmt"
	"strings"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-chaincode-go/v2/shim"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// invSellerIndex lists a seller's invoices (blue and red) by number.
const invSellerIndex = "idx~invseller~" // + seller USCC + "~" + number → number

func invSellerPrefix(seller string) string { return invSellerIndex + seller + "~" }

// Issue records a blue invoice of an ACTIVE registered seller and returns it.
func (c *InvoiceContract) Issue(ctx contractapi.TransactionContextInterface, request string) (string, error) {
	var req domain.IssueInvoiceRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	if err := refuseExistingInvoice(stub, req.Number); err != nil {
		return "", err
	}
	var seller domain.Business
	if err := mustRead(stub, businessKey(req.SellerUSCC), &seller, "seller "+req.SellerUSCC+" is not a registered business"); err != nil {
		return "", err
	}
	if err := domain.CheckSellerCanIssue(&seller); err != nil {
		return "", err
	}
	inv, err := domain.NewBlueInvoice(req, a)
	if err != nil {
		return "", err
	}
	state, err := createInvoice(stub, &inv, a.Org)
	if err != nil {
		return "", err
	}
	if err := emit(stub, domain.EventInvoiceIssued, domain.ContractInvoice, inv.Number, state); err != nil {
		return "", err
	}
	return string(state), nil
}

// Reverse issues a red invoice against originalNumber and returns the red invoice. The
// event carries the updated original in key/state and the red invoice in related.
func (c *InvoiceContract) Reverse(ctx contractapi.TransactionContextInterface, originalNumber string, request string) (string, error) {
	if err := domain.ValidateInvoiceNumber("originalNumber", originalNumber); err != nil {
		return "", err
	}
	var req domain.ReverseInvoiceRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	orig, err := loadInvoice(stub, originalNumber)
	if err != nil {
		return "", err
	}
	earlier, err := loadReversals(stub, &orig)
	if err != nil {
		return "", err
	}
	red, err := domain.ReverseInvoice(&orig, earlier, req, a)
	if err != nil {
		return "", err
	}
	if err := refuseExistingInvoice(stub, red.Number); err != nil {
		return "", err
	}
	origState, err := writeJSON(stub, invoiceKey(orig.Number), orig)
	if err != nil {
		return "", err
	}
	redState, err := createInvoice(stub, &red, a.Org)
	if err != nil {
		return "", err
	}
	related := domain.RelatedRecord{Key: red.Number, State: redState}
	if err := emit(stub, domain.EventInvoiceReversed, domain.ContractInvoice, orig.Number, origState, related); err != nil {
		return "", err
	}
	return string(redState), nil
}

// ClaimReimbursement puts the caller's organisation's reimbursement claim on an invoice
// and returns it. An empty request means {}.
func (c *InvoiceContract) ClaimReimbursement(ctx contractapi.TransactionContextInterface, number string, request string) (string, error) {
	if err := domain.ValidateInvoiceNumber("number", number); err != nil {
		return "", err
	}
	if strings.TrimSpace(request) == "" {
		request = "{}"
	}
	var req domain.ClaimReimbursementRequest
	if err := domain.DecodeValid("request", []byte(request), &req); err != nil {
		return "", err
	}
	return updateInvoice(ctx, number, domain.EventInvoiceReimbursementClaimed, func(inv *domain.Invoice, a domain.Actor) error {
		return domain.ClaimReimbursement(inv, req, a)
	})
}

// ReleaseReimbursement removes the claim on an invoice; only finance of the claiming
// organisation may do so. Returns the invoice.
func (c *InvoiceContract) ReleaseReimbursement(ctx contractapi.TransactionContextInterface, number string, reason string) (string, error) {
	if err := domain.ValidateInvoiceNumber("number", number); err != nil {
		return "", err
	}
	return updateInvoice(ctx, number, domain.EventInvoiceReimbursementReleased, func(inv *domain.Invoice, a domain.Actor) error {
		return domain.ReleaseReimbursement(inv, reason, a)
	})
}

// Get returns an invoice.
func (c *InvoiceContract) Get(ctx contractapi.TransactionContextInterface, number string) (string, error) {
	if err := domain.ValidateInvoiceNumber("number", number); err != nil {
		return "", err
	}
	b, err := readRaw(ctx.GetStub(), invoiceKey(number))
	if err != nil {
		return "", err
	}
	if b == nil {
		return "", invoiceNotFound(number)
	}
	return string(b), nil
}

// List returns one page of a seller's invoices by number; an empty sellerUSCC lists all
// invoices.
func (c *InvoiceContract) List(ctx contractapi.TransactionContextInterface, sellerUSCC string, pageSize int32, bookmark string) (string, error) {
	prefix := invoicePrefix // primary keys: values are the records
	if sellerUSCC != "" {
		if err := domain.ValidateUSCCFormat("sellerUSCC", sellerUSCC); err != nil {
			return "", err
		}
		prefix = invSellerPrefix(sellerUSCC) // index: values are numbers
	}
	stub := ctx.GetStub()
	p, err := rangePage(stub, prefix, pageSize, bookmark)
	if err != nil {
		return "", err
	}
	res := domain.InvoicePage{Records: []domain.Invoice{}, Bookmark: p.bookmark}
	for _, v := range p.values {
		var inv domain.Invoice
		if sellerUSCC == "" {
			if err := jsonDecode(v, &inv); err != nil {
				return "", err
			}
		} else if inv, err = loadInvoice(stub, string(v)); err != nil {
			return "", err
		}
		res.Records = append(res.Records, inv)
	}
	res.Fetched = len(res.Records)
	return toJSON(res)
}

// History returns one page of an invoice's versions, newest first.
func (c *InvoiceContract) History(ctx contractapi.TransactionContextInterface, number string, pageSize int32, bookmark string) (string, error) {
	if err := domain.ValidateInvoiceNumber("number", number); err != nil {
		return "", err
	}
	return history(ctx.GetStub(), invoiceKey(number), "invoice "+number, pageSize, bookmark)
}

// updateInvoice loads an invoice, applies change, stores it and emits event.
func updateInvoice(ctx contractapi.TransactionContextInterface, number, event string, change func(*domain.Invoice, domain.Actor) error) (string, error) {
	a, err := actorOf(ctx)
	if err != nil {
		return "", err
	}
	stub := ctx.GetStub()
	inv, err := loadInvoice(stub, number)
	if err != nil {
		return "", err
	}
	if err := change(&inv, a); err != nil {
		return "", err
	}
	state, err := writeJSON(stub, invoiceKey(number), inv)
	if err != nil {
		return "", err
	}
	if err := emit(stub, event, domain.ContractInvoice, number, state); err != nil {
		return "", err
	}
	return string(state), nil
}

// createInvoice stores a new invoice with its endorsement policy and seller index entry.
func createInvoice(stub shim.ChaincodeStubInterface, inv *domain.Invoice, owner string) ([]byte, error) {
	state, err := createRecord(stub, invoiceKey(inv.Number), inv, owner)
	if err != nil {
		return nil, err
	}
	if err := putIndex(stub, invSellerPrefix(inv.SellerUSCC)+inv.Number, inv.Number); err != nil {
		return nil, err
	}
	return state, nil
}

func refuseExistingInvoice(stub shim.ChaincodeStubInterface, number string) error {
	var existing domain.Invoice
	found, err := readJSON(stub, invoiceKey(number), &existing)
	if err != nil {
		return err
	}
	if found {
		return domain.Errorf(domain.CodeConflict, "invoice %s already exists (%s, issued %s by %s)", number, existing.Kind, existing.CreatedAt, existing.CreatedByOrg)
	}
	return nil
}

func loadInvoice(stub shim.ChaincodeStubInterface, number string) (domain.Invoice, error) {
	var inv domain.Invoice
	if err := mustRead(stub, invoiceKey(number), &inv, invoiceNotFound(number).Message); err != nil {
		return domain.Invoice{}, err
	}
	return inv, nil
}

// loadReversals reads the red invoices already issued against orig, in the order of
// orig.Reversals: what remains of orig per tax rate is derived from them.
func loadReversals(stub shim.ChaincodeStubInterface, orig *domain.Invoice) ([]domain.Invoice, error) {
	reds := make([]domain.Invoice, 0, len(orig.Reversals))
	for _, rv := range orig.Reversals {
		var red domain.Invoice
		found, err := readJSON(stub, invoiceKey(rv.Number), &red)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("invoice %s records reversal %s, which is not on the ledger", orig.Number, rv.Number)
		}
		reds = append(reds, red)
	}
	return reds, nil
}

func invoiceNotFound(number string) *domain.Error {
	return domain.Errorf(domain.CodeNotFound, "invoice %s does not exist", number)
}
