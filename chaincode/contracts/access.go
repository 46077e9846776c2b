package contracts

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/govchain/govchain/internal/domain"
	"github.com/hyperledger/fabric-contract-api-go/v2/contractapi"
)

// authorize returns the before-transaction hook of a contract: the single place where the
// access table (domain.Permissions) is enforced.
func authorize(contract string) func(contractapi.TransactionContextInterface) error {
	return func(ctx contractapi.TransactionContextInterface) error {
		fn, _ := ctx.GetStub().GetFunctionAndParameters()
		if i := strings.LastIndex(fn, ":"); i >= 0 {
			fn = fn[i+1:]
		}
		fn = upperFirst(fn) // contractapi routes "register" to Register too
		p, ok := domain.LookupPermission(contract, fn)
		if !ok {
			return domain.Errorf(domain.CodeInvalid, "unknown transaction %s:%s", contract, fn)
		}
		c, err := callerOf(ctx)
		if err != nil {
			return err
		}
		return p.Permits(c.msp, c.role, c.cn)
	}
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
