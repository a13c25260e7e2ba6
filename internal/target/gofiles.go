package target

import (
	"bytes"
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// scanPackageDir returns the imports and //go:embed patterns of the non-test .go files in dir.
// It stands in for go/build on the imported packages, where only those two facts matter: it
// reads each file once and tokenises just its header, about four times cheaper than
// build.ImportDir, which keeps detection in the low milliseconds for modules of a hundred
// packages. Build constraints are not evaluated: a file excluded on this system may add a
// watched glob or an import to follow, which costs at most an unneeded rebuild.
func scanPackageDir(dir string) (imports, embeds []string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	buf := make([]byte, 0, 16<<10)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") ||
			name[0] == '.' || name[0] == '_' {
			continue
		}
		data, err := readSmallFile(filepath.Join(dir, name), buf)
		if err != nil {
			continue
		}
		buf = data
		imports = append(imports, fileImports(data)...)
		if bytes.Contains(data, []byte("//go:embed")) {
			embeds = append(embeds, embedDirectives(data)...)
		}
	}
	return imports, embeds
}

// fileImports returns the import paths of a Go file, reading tokens only up to the end of its
// import declarations.
func fileImports(src []byte) []string {
	var (
		s       scanner.Scanner
		imports []string
	)
	fset := token.NewFileSet()
	s.Init(fset.AddFile("", fset.Base(), len(src)), src, nil, 0)
	next := func() (token.Token, string) {
		_, tok, lit := s.Scan()
		return tok, lit
	}
	if tok, _ := next(); tok != token.PACKAGE {
		return nil
	}
	next() // package name
	for {
		tok, _ := next()
		switch tok {
		case token.SEMICOLON:
			continue
		case token.IMPORT:
		default:
			return imports
		}
		tok, lit := next()
		grouped := tok == token.LPAREN
		for ; tok != token.EOF; tok, lit = next() {
			if tok == token.STRING {
				if p, err := strconv.Unquote(lit); err == nil {
					imports = append(imports, p)
				}
				if !grouped {
					break
				}
			}
			if tok == token.RPAREN && grouped {
				break
			}
		}
		if tok == token.EOF {
			return imports
		}
	}
}

// embedDirectives returns the patterns of the //go:embed lines of a Go file: space-separated,
// each possibly a Go string literal ("a b.txt" or `a b.txt`) to hold spaces.
func embedDirectives(src []byte) []string {
	var patterns []string
	for line := range bytes.Lines(src) {
		line = bytes.TrimLeft(line, " \t")
		rest, ok := bytes.CutPrefix(line, []byte("//go:embed"))
		if !ok || len(rest) == 0 || (rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		args := strings.TrimSpace(string(rest))
		for args != "" {
			var word string
			switch args[0] {
			case '"', '`':
				end := strings.IndexByte(args[1:], args[0])
				if end < 0 {
					args = ""
					continue
				}
				lit := args[:end+2]
				if p, err := strconv.Unquote(lit); err == nil {
					word = p
				}
				args = args[end+2:]
			default:
				end := strings.IndexAny(args, " \t")
				if end < 0 {
					end = len(args)
				}
				word, args = args[:end], args[end:]
			}
			if word != "" {
				patterns = append(patterns, word)
			}
			args = strings.TrimLeft(args, " \t")
		}
	}
	return patterns
}
