package dev.safeclient.apiserver.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * Label selectors by the apiserver's grammar: the lexer and recursive-descent parser of
 * k8s.io/apimachinery pkg/labels/selector.go ({@code Parse}), with its operators ({@code =}, {@code
 * ==}, {@code !=}, {@code in}, {@code notin}, exists, {@code !}, {@code >}, {@code <}), its
 * validation of keys and values ({@code NewRequirement}), and its error messages. A bad selector is
 * an {@link IllegalArgumentException}, which the handlers answer as a 400 BadRequest.
 */
public final class LabelSelectorParser {
  private enum Tok {
    IDENT,
    DOES_NOT_EXIST, // !
    EQUALS, // =
    DOUBLE_EQUALS, // ==
    NOT_EQUALS, // !=
    IN,
    NOT_IN,
    GT,
    LT,
    OPEN,
    CLOSE,
    COMMA,
    END,
    ERROR
  }

  /** In values, "in" and "notin" are plain identifiers (selector.go's ParserContext Values). */
  private enum Context {
    KEY_AND_OPERATOR,
    VALUES
  }

  private record Token(Tok tok, String literal) {}

  private static final String SPECIAL = "=!(),><";

  /** validation.IsQualifiedName and IsValidLabelValue (k8s.io/apimachinery/pkg/util/validation). */
  private static final Pattern QUALIFIED_NAME =
      Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern INTEGER = Pattern.compile("[-+]?[0-9]+");

  private final List<Token> tokens;
  private int pos;

  private LabelSelectorParser(String selector) {
    this.tokens = lex(selector);
  }

  /** Parses {@code selector}; an empty one selects everything. */
  /**
   * One parsed requirement: its key, operator ({@code =}, {@code !=}, {@code in}, {@code notin},
   * {@code exists}, {@code !}, {@code gt}, {@code lt}; {@code ==} reads as {@code =}), values, and
   * how it matches a label set.
   */
  public record Requirement(
      String key, String operator, Set<String> values, Predicate<Map<String, String>> matcher) {}

  public static List<Requirement> parse(String selector) {
    return new LabelSelectorParser(selector).requirements();
  }

  private static List<Token> lex(String s) {
    List<Token> out = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      char ch = s.charAt(i);
      if (Character.isWhitespace(ch)) {
        i++;
      } else if (SPECIAL.indexOf(ch) >= 0) {
        // The longest run of special characters that is still a token ("!=", "==").
        String two = i + 1 < s.length() ? s.substring(i, i + 2) : "";
        if (two.equals("!=") || two.equals("==")) {
          out.add(new Token(two.equals("!=") ? Tok.NOT_EQUALS : Tok.DOUBLE_EQUALS, two));
          i += 2;
        } else {
          Tok t =
              switch (ch) {
                case '!' -> Tok.DOES_NOT_EXIST;
                case '=' -> Tok.EQUALS;
                case '(' -> Tok.OPEN;
                case ')' -> Tok.CLOSE;
                case ',' -> Tok.COMMA;
                case '>' -> Tok.GT;
                default -> Tok.LT;
              };
          out.add(new Token(t, String.valueOf(ch)));
          i++;
        }
      } else {
        int start = i;
        while (i < s.length()
            && !Character.isWhitespace(s.charAt(i))
            && SPECIAL.indexOf(s.charAt(i)) < 0) {
          i++;
        }
        String word = s.substring(start, i);
        Tok t = word.equals("in") ? Tok.IN : word.equals("notin") ? Tok.NOT_IN : Tok.IDENT;
        out.add(new Token(t, word));
      }
    }
    out.add(new Token(Tok.END, ""));
    return out;
  }

  private Token lookahead(Context ctx) {
    return inContext(tokens.get(pos), ctx);
  }

  private Token consume(Context ctx) {
    Token t = inContext(tokens.get(pos), ctx);
    if (t.tok != Tok.END) {
      pos++;
    }
    return t;
  }

  private static Token inContext(Token t, Context ctx) {
    if (ctx == Context.VALUES && (t.tok == Tok.IN || t.tok == Tok.NOT_IN)) {
      return new Token(Tok.IDENT, t.literal);
    }
    return t;
  }

  private List<Requirement> requirements() {
    List<Requirement> out = new ArrayList<>();
    while (true) {
      Token t = lookahead(Context.VALUES);
      switch (t.tok) {
        case IDENT, DOES_NOT_EXIST -> {
          try {
            out.add(requirement());
          } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unable to parse requirement: " + e.getMessage());
          }
          Token next = consume(Context.VALUES);
          switch (next.tok) {
            case END -> {
              return out;
            }
            case COMMA -> {
              Token after = lookahead(Context.VALUES);
              if (after.tok != Tok.IDENT && after.tok != Tok.DOES_NOT_EXIST) {
                throw new IllegalArgumentException(
                    "found '" + after.literal + "', expected: identifier after ','");
              }
            }
            default ->
                throw new IllegalArgumentException(
                    "found '" + next.literal + "', expected: ',' or 'end of string'");
          }
        }
        case END -> {
          return out;
        }
        default ->
            throw new IllegalArgumentException(
                "found '" + t.literal + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

  private Requirement requirement() {
    boolean doesNotExist = false;
    Token t = consume(Context.VALUES);
    if (t.tok == Tok.DOES_NOT_EXIST) {
      doesNotExist = true;
      t = consume(Context.VALUES);
    }
    if (t.tok != Tok.IDENT) {
      throw new IllegalArgumentException("found '" + t.literal + "', expected: identifier");
    }
    String key = t.literal;
    validateKey(key);
    if (doesNotExist) {
      // A unary requirement ends here; "!a=b" then fails on "=" where ',' was expected.
      return new Requirement(key, "!", Set.of(), l -> !l.containsKey(key));
    }
    Tok after = lookahead(Context.VALUES).tok;
    if (after == Tok.END || after == Tok.COMMA) {
      return new Requirement(key, "exists", Set.of(), l -> l.containsKey(key));
    }
    Token op = consume(Context.KEY_AND_OPERATOR);
    switch (op.tok) {
      case IN, NOT_IN -> {
        Set<String> values = values();
        for (String v : values) {
          validateValue(key, v);
        }
        return op.tok == Tok.IN
            ? new Requirement(
                key, "in", values, l -> l.containsKey(key) && values.contains(l.get(key)))
            : new Requirement(
                key, "notin", values, l -> !l.containsKey(key) || !values.contains(l.get(key)));
      }
      case EQUALS, DOUBLE_EQUALS, NOT_EQUALS, GT, LT -> {
        String value = exactValue();
        if (op.tok == Tok.GT || op.tok == Tok.LT) {
          if (!INTEGER.matcher(value).matches()) {
            throw new IllegalArgumentException(
                "for 'Gt', 'Lt' operators, the value must be an integer");
          }
          long bound;
          try {
            bound = Long.parseLong(value);
          } catch (NumberFormatException e) { // beyond int64, as strconv.ParseInt refuses it
            throw new IllegalArgumentException(
                "for 'Gt', 'Lt' operators, the value must be an integer");
          }
          boolean gt = op.tok == Tok.GT;
          Predicate<Map<String, String>> compare =
              l -> {
                String v = l.get(key);
                if (v == null || !INTEGER.matcher(v).matches()) {
                  return false;
                }
                long n;
                try {
                  n = Long.parseLong(v);
                } catch (NumberFormatException e) {
                  return false; // Requirement.Matches: a label that does not parse does not match
                }
                return gt ? n > bound : n < bound;
              };
          return new Requirement(key, gt ? "gt" : "lt", Set.of(value), compare);
        }
        validateValue(key, value);
        return op.tok == Tok.NOT_EQUALS
            ? new Requirement(key, "!=", Set.of(value), l -> !value.equals(l.get(key)))
            : new Requirement(
                key, "=", Set.of(value), l -> l.containsKey(key) && value.equals(l.get(key)));
      }
      default ->
          throw new IllegalArgumentException(
              "found '" + op.literal + "', expected: in, notin, =, ==, !=, gt, lt");
    }
  }

  private Set<String> values() {
    Token t = consume(Context.VALUES);
    if (t.tok != Tok.OPEN) {
      throw new IllegalArgumentException("found '" + t.literal + "' expected: '('");
    }
    Token next = lookahead(Context.VALUES);
    switch (next.tok) {
      case IDENT, COMMA -> {
        Set<String> s = identifiers();
        Token close = consume(Context.VALUES);
        if (close.tok != Tok.CLOSE) {
          throw new IllegalArgumentException("found '" + close.literal + "', expected: ')'");
        }
        return s;
      }
      case CLOSE -> {
        consume(Context.VALUES);
        return Set.of("");
      }
      default ->
          throw new IllegalArgumentException(
              "found '" + next.literal + "', expected: ',', ')' or identifier");
    }
  }

  private Set<String> identifiers() {
    Set<String> s = new TreeSet<>();
    while (true) {
      Token t = consume(Context.VALUES);
      switch (t.tok) {
        case IDENT -> {
          s.add(t.literal);
          Token next = lookahead(Context.VALUES);
          if (next.tok == Tok.CLOSE) {
            return s;
          }
          if (next.tok != Tok.COMMA) {
            throw new IllegalArgumentException(
                "found '" + next.literal + "', expected: ',' or ')'");
          }
        }
        case COMMA -> {
          if (s.isEmpty()) {
            s.add(""); // "(,a)": an empty value first
          }
          Token next = lookahead(Context.VALUES);
          if (next.tok == Tok.CLOSE) {
            s.add("");
            return s;
          }
          if (next.tok == Tok.COMMA) {
            consume(Context.VALUES);
            s.add("");
          }
        }
        default ->
            throw new IllegalArgumentException(
                "found '" + t.literal + "', expected: ',', or identifier");
      }
    }
  }

  private String exactValue() {
    Token t = lookahead(Context.VALUES);
    if (t.tok == Tok.END || t.tok == Tok.COMMA) {
      return "";
    }
    t = consume(Context.VALUES);
    if (t.tok == Tok.IDENT) {
      return t.literal;
    }
    throw new IllegalArgumentException("found '" + t.literal + "', expected: identifier");
  }

  /** validateLabelKey: validation.IsQualifiedName, an optional DNS-subdomain prefix and a name. */
  private static void validateKey(String key) {
    String name = key;
    String problem = null;
    int slash = key.indexOf('/');
    if (slash >= 0) {
      String prefix = key.substring(0, slash);
      name = key.substring(slash + 1);
      if (prefix.isEmpty()) {
        problem = "prefix part must be non-empty";
      } else if (prefix.length() > 253 || !DNS_SUBDOMAIN.matcher(prefix).matches()) {
        problem = "prefix part must be a lowercase RFC 1123 subdomain";
      }
    }
    if (problem == null) {
      if (name.isEmpty()) {
        problem = "name part must be non-empty";
      } else if (name.length() > 63) {
        problem = "name part must be no more than 63 characters";
      } else if (!QUALIFIED_NAME.matcher(name).matches()) {
        problem =
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start"
                + " and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or"
                + " '123-abc', regex used for validation is"
                + " '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
      }
    }
    if (problem != null) {
      throw new IllegalArgumentException("invalid label key \"" + key + "\": " + problem);
    }
  }

  private static void validateValue(String key, String value) {
    if (value.length() > 63 || !LABEL_VALUE.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "invalid label value: \""
              + value
              + "\": at key: \""
              + key
              + "\": a valid label must be an empty string or consist of alphanumeric characters,"
              + " '-', '_' or '.', and must start and end with an alphanumeric character (e.g."
              + " 'MyValue',  or 'my_value',  or '12345', regex used for validation is"
              + " '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
    }
  }
}
