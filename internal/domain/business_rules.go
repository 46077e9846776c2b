package domain

import "strconv"

// Validate checks a registration request: INVALID for missing or malformed fields,
// UNPROCESSABLE for a wrong USCC check character, capital outside 0..MaxMoneyFen or
// personal data.
func (r *RegisterBusinessRequest) Validate() error {
	if err := ValidateUSCC(r.USCC); err != nil {
		return err
	}
	if err := checkBusinessName(r.Name); err != nil {
		return err
	}
	if err := (textRule{field: "entity_type", max: MaxShortTextLen, required: true}).check(r.EntityType); err != nil {
		return err
	}
	if err := checkPersonName("legal_representative", r.LegalRepresentative); err != nil {
		return err
	}
	if err := checkCapital(r.RegisteredCapitalFen); err != nil {
		return err
	}
	if err := checkAddress(r.Address); err != nil {
		return err
	}
	if err := checkScope(r.BusinessScope); err != nil {
		return err
	}
	if err := checkDate("established_on", r.EstablishedOn); err != nil {
		return err
	}
	if err := (textRule{field: "registration_authority", max: MaxNameLen, required: true}).check(r.RegistrationAuthority); err != nil {
		return err
	}
	return r.validateMaterials()
}

// NewBusiness builds the record of a validated registration, ACTIVE, created by a.
func NewBusiness(r RegisterBusinessRequest, a Actor) Business {
	return Business{
		USCC:                  r.USCC,
		Name:                  r.Name,
		EntityType:            r.EntityType,
		LegalRepresentative:   r.LegalRepresentative,
		RegisteredCapitalFen:  r.RegisteredCapitalFen,
		Address:               r.Address,
		BusinessScope:         r.BusinessScope,
		EstablishedOn:         r.EstablishedOn,
		RegistrationAuthority: r.RegistrationAuthority,
		Status:                StatusActive,
		StatusReason:          "",
		Amendments:            []Amendment{},
		RecordMeta:            NewRecordMeta(a),
	}
}

// Validate checks an amendment request on its own: a reason and at least one change, each
// well-formed. Whether a change differs from the current value is checked by ApplyAmendment.
func (r *AmendBusinessRequest) Validate() error {
	c := r.Changes
	if c.Name == nil && c.Address == nil && c.BusinessScope == nil && c.RegisteredCapitalFen == nil && c.LegalRepresentative == nil {
		return Errorf(CodeInvalid, "changes must name at least one of name, address, business_scope, registered_capital_fen, legal_representative")
	}
	if c.Name != nil {
		if err := checkBusinessName(*c.Name); err != nil {
			return err
		}
	}
	if c.Address != nil {
		if err := checkAddress(*c.Address); err != nil {
			return err
		}
	}
	if c.BusinessScope != nil {
		if err := checkScope(*c.BusinessScope); err != nil {
			return err
		}
	}
	if c.RegisteredCapitalFen != nil {
		if err := checkCapital(*c.RegisteredCapitalFen); err != nil {
			return err
		}
	}
	if c.LegalRepresentative != nil {
		if err := checkPersonName("legal_representative", *c.LegalRepresentative); err != nil {
			return err
		}
	}
	return checkReason(r.Reason)
}

// ApplyAmendment applies a validated amendment to b and appends its Amendment entry.
// A business in a final status cannot be amended (CONFLICT); a change equal to the current
// value is UNPROCESSABLE. Changes are recorded in a fixed field order.
func ApplyAmendment(b *Business, r AmendBusinessRequest, a Actor) error {
	if IsFinalStatus(b.Status) {
		return Errorf(CodeConflict, "business %s is %s; a %s business cannot be amended", b.USCC, b.Status, b.Status)
	}
	nb := *b // work on a copy: b stays untouched on error
	var changes []FieldChange
	str := func(field string, to *string, cur *string) error {
		if to == nil {
			return nil
		}
		if *to == *cur {
			return Errorf(CodeUnprocessable, "%s is already %q; nothing to change", field, *cur)
		}
		changes = append(changes, FieldChange{Field: field, From: *cur, To: *to})
		*cur = *to
		return nil
	}
	if err := str("name", r.Changes.Name, &nb.Name); err != nil {
		return err
	}
	if err := str("address", r.Changes.Address, &nb.Address); err != nil {
		return err
	}
	if err := str("business_scope", r.Changes.BusinessScope, &nb.BusinessScope); err != nil {
		return err
	}
	if to := r.Changes.RegisteredCapitalFen; to != nil {
		if *to == nb.RegisteredCapitalFen {
			return Errorf(CodeUnprocessable, "registered_capital_fen is already %d; nothing to change", nb.RegisteredCapitalFen)
		}
		changes = append(changes, FieldChange{
			Field: "registered_capital_fen",
			From:  strconv.FormatInt(nb.RegisteredCapitalFen, 10),
			To:    strconv.FormatInt(*to, 10),
		})
		nb.RegisteredCapitalFen = *to
	}
	if err := str("legal_representative", r.Changes.LegalRepresentative, &nb.LegalRepresentative); err != nil {
		return err
	}
	nb.Amendments = append(append([]Amendment{}, b.Amendments...), Amendment{
		TxID: a.TxID, At: a.At, ByOrg: a.Org, By: a.By, Reason: r.Reason, Changes: changes,
	})
	nb.Touch(a)
	*b = nb
	return nil
}

// IsBusinessStatus reports whether s is a known business status.
func IsBusinessStatus(s string) bool { return contains(BusinessStatuses(), s) }

// IsFinalStatus reports whether a business in status s can no longer change.
func IsFinalStatus(s string) bool { return s == StatusRevoked || s == StatusDeregistered }

// CanTransition reports whether a business may move from status from to status to.
func CanTransition(from, to string) bool {
	switch from {
	case StatusActive:
		return to == StatusSuspended || to == StatusRevoked || to == StatusDeregistered
	case StatusSuspended:
		return to == StatusActive || to == StatusRevoked || to == StatusDeregistered
	}
	return false
}

// ChangeBusinessStatus moves b to status to with reason: INVALID for an unknown status or a
// missing reason, CONFLICT (naming the current status) for an illegal transition.
func ChangeBusinessStatus(b *Business, to, reason string, a Actor) error {
	if err := ValidateStatusChange(to, reason); err != nil {
		return err
	}
	if !CanTransition(b.Status, to) {
		return Errorf(CodeConflict, "business %s is %s; it cannot change to %s", b.USCC, b.Status, to)
	}
	b.Status = to
	b.StatusReason = reason
	b.Touch(a)
	return nil
}

// ValidateStatusChange checks the arguments of a status change on their own: a known target
// status and a reason (INVALID otherwise).
func ValidateStatusChange(to, reason string) error {
	if !IsBusinessStatus(to) {
		return Errorf(CodeInvalid, "status must be one of %v, got %q", BusinessStatuses(), to)
	}
	return checkReason(reason)
}

// ValidateNamePrefix checks the optional name prefix of a business listing.
func ValidateNamePrefix(prefix string) error {
	return textRule{field: "namePrefix", max: MaxNameLen}.check(prefix)
}

func checkBusinessName(s string) error {
	return textRule{field: "name", max: MaxNameLen, required: true}.check(s)
}

func checkAddress(s string) error {
	return textRule{field: "address", max: MaxAddressLen, required: true}.check(s)
}

func checkScope(s string) error {
	return textRule{field: "business_scope", max: MaxLongTextLen, required: true, multiline: true}.check(s)
}

func checkReason(s string) error {
	return textRule{field: "reason", max: MaxLongTextLen, required: true, multiline: true}.check(s)
}

func checkCapital(fen int64) error {
	return checkMoney("registered_capital_fen", fen)
}
