// Command gojsontags writes, for every field of every Protobuf message of the built-in Kubernetes
// types, how Go's encoding/json renders it: the json name, omitempty/omitzero, and whether the Go
// field is a pointer, slice or map. It reads the Go type declarations (go/ast, no compilation) of
// k8s.io/api, apimachinery's meta/v1, kube-aggregator and apiextensions-apiserver of each release
// given, and prints the union as TSV. A field that some releases lack, or whose rendering changed
// between releases, is printed once per distinct rendering with the releases that have it.
//
// Usage: gojsontags <release>=<dir>[,<dir>...] ...  (dirs are module roots, e.g. from
// `go mod download -json k8s.io/api@v0.36.3`)
package main

import (
	"bufio"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

var protoPackage = regexp.MustCompile(`(?m)^package ([a-z0-9_.]+);`)

type key struct{ message, field string }

func main() {
	// rendering -> releases, per field
	seen := map[key]map[string][]string{}
	var releases []string
	for _, arg := range os.Args[1:] {
		release, dirs, ok := strings.Cut(arg, "=")
		if !ok {
			fmt.Fprintln(os.Stderr, "usage: gojsontags <release>=<dir>[,<dir>...] ...")
			os.Exit(2)
		}
		releases = append(releases, release)
		for _, root := range strings.Split(dirs, ",") {
			err := filepath.Walk(root, func(path string, info os.FileInfo, err error) error {
				if err != nil {
					return err
				}
				if info.Name() != "generated.proto" {
					return nil
				}
				return readPackage(filepath.Dir(path), release, seen)
			})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
	}
	keys := make([]key, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].message != keys[j].message {
			return keys[i].message < keys[j].message
		}
		return keys[i].field < keys[j].field
	})
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	fmt.Fprintf(w, "# message\tprotobuf field\tjson rendering\treleases (%s)\n", strings.Join(releases, " "))
	for _, k := range keys {
		renderings := make([]string, 0, len(seen[k]))
		for r := range seen[k] {
			renderings = append(renderings, r)
		}
		sort.Strings(renderings)
		all := 0
		for _, r := range renderings {
			all += len(seen[k][r])
		}
		for _, r := range renderings {
			rel := ""
			if len(renderings) > 1 || all < len(releases) {
				rel = strings.Join(seen[k][r], " ")
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", k.message, k.field, r, rel)
		}
	}
}

// readPackage records the fields of every struct of one Go package that has a generated.proto.
func readPackage(dir, release string, seen map[key]map[string][]string) error {
	proto, err := os.ReadFile(filepath.Join(dir, "generated.proto"))
	if err != nil {
		return err
	}
	m := protoPackage.FindSubmatch(proto)
	if m == nil {
		return fmt.Errorf("%s: no package line", dir)
	}
	pkg := string(m[1])
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi os.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, 0)
	if err != nil {
		return err
	}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok || g.Tok != token.TYPE {
					continue
				}
				for _, spec := range g.Specs {
					ts := spec.(*ast.TypeSpec)
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					for _, field := range st.Fields.List {
						if field.Tag == nil {
							continue
						}
						tag := reflect.StructTag(strings.Trim(field.Tag.Value, "`"))
						pb, ok := tag.Lookup("protobuf")
						if !ok {
							continue
						}
						name := ""
						for _, part := range strings.Split(pb, ",") {
							if strings.HasPrefix(part, "name=") {
								name = strings.TrimPrefix(part, "name=")
							}
						}
						if name == "" {
							continue
						}
						k := key{pkg + "." + ts.Name.Name, name}
						r := rendering(tag.Get("json"), field.Type, len(field.Names) == 0)
						if seen[k] == nil {
							seen[k] = map[string][]string{}
						}
						seen[k][r] = append(seen[k][r], release)
					}
				}
			}
		}
	}
	return nil
}

// rendering is "<json name> <flags>": flags i inline, o omitempty, z omitzero, p pointer, s slice,
// m map, b []byte; "-" for none.
func rendering(jsonTag string, t ast.Expr, embedded bool) string {
	parts := strings.Split(jsonTag, ",")
	flags := ""
	if embedded && parts[0] == "" {
		// encoding/json inlines an embedded struct without a json name, ",inline" or not.
		flags += "i"
	}
	for _, opt := range parts[1:] {
		switch opt {
		case "omitempty":
			flags += "o"
		case "omitzero":
			flags += "z"
		}
	}
	switch x := t.(type) {
	case *ast.StarExpr:
		flags += "p"
	case *ast.ArrayType:
		if id, ok := x.Elt.(*ast.Ident); ok && id.Name == "byte" {
			flags += "b"
		} else {
			flags += "s"
		}
	case *ast.MapType:
		flags += "m"
	}
	if flags == "" {
		flags = "-"
	}
	name := parts[0]
	if name == "" {
		name = "-"
	}
	return name + " " + flags
}
