/// Reads the fields of one subject by index into its target's field list.
protocol FieldReader {
    func value(_ field: Int) -> FieldValue?
    /// Matches a regex against a string or text field; nil when the field is absent.
    func match(_ field: Int, _ regex: PCRE2Regex, _ scratch: RegexScratch) -> RegexOutcome?
}

extension FieldReader {
    func match(_ field: Int, _ regex: PCRE2Regex, _ scratch: RegexScratch) -> RegexOutcome? {
        guard case .string(let s) = value(field) else { return nil }
        return regex.match(s, scratch: scratch)
    }
}

struct OperationReader: FieldReader {
    let op: SlowOperation
    /// The raw line the operation came from, when known; valid only during evaluation.
    let line: UnsafeRawBufferPointer?
    func value(_ field: Int) -> FieldValue? { OperationFields.value(field, of: op) }
    func match(_ field: Int, _ regex: PCRE2Regex, _ scratch: RegexScratch) -> RegexOutcome? {
        if field == OperationFields.lineIndex {
            guard let line else { return nil }
            return regex.match(line, scratch: scratch)
        }
        guard case .string(let s) = value(field) else { return nil }
        return regex.match(s, scratch: scratch)
    }
}

struct ShapeReader: FieldReader {
    let subject: ShapeSubject
    func value(_ field: Int) -> FieldValue? { ShapeFields.value(field, of: subject) }
}

struct KillReader: FieldReader {
    let subject: KillSubject
    func value(_ field: Int) -> FieldValue? { KillFields.value(field, of: subject) }
}

struct RawLineReader: FieldReader {
    let line: UnsafeRawBufferPointer
    func value(_ field: Int) -> FieldValue? { nil }
    func match(_ field: Int, _ regex: PCRE2Regex, _ scratch: RegexScratch) -> RegexOutcome? {
        regex.match(line, scratch: scratch)
    }
}

/// An example's values (text fields are given as strings).
struct ExampleReader: FieldReader {
    let values: [Int: FieldValue]
    func value(_ field: Int) -> FieldValue? { values[field] }
}

/// The outcome of a condition on one subject.
public enum Verdict: Sendable, Equatable {
    case yes, no
    /// A regex hit a limit and no other part of the condition decided the result.
    case aborted(String)
}

enum RuleEvaluator {
    /// `all` is false as soon as one part is false, `any` true as soon as one is true; an aborted
    /// part makes the whole aborted only when the other parts do not decide.
    static func evaluate<R: FieldReader>(_ c: RuleCondition, _ r: R, _ scratch: RegexScratch) -> Verdict {
        switch c {
        case .all(let parts):
            var aborted: String? = nil
            for p in parts {
                switch evaluate(p, r, scratch) {
                case .no: return .no
                case .aborted(let why): aborted = aborted ?? why
                case .yes: break
                }
            }
            return aborted.map { .aborted($0) } ?? .yes
        case .any(let parts):
            var aborted: String? = nil
            for p in parts {
                switch evaluate(p, r, scratch) {
                case .yes: return .yes
                case .aborted(let why): aborted = aborted ?? why
                case .no: break
                }
            }
            return aborted.map { .aborted($0) } ?? .no
        case .not(let inner):
            switch evaluate(inner, r, scratch) {
            case .yes: return .no
            case .no: return .yes
            case .aborted(let why): return .aborted(why)
            }
        case .matches(let field, let regex, let negate):
            guard let outcome = r.match(field, regex, scratch) else { return .no }
            switch outcome {
            case .matched: return negate ? .no : .yes
            case .noMatch: return negate ? .yes : .no
            case .aborted(let why): return .aborted(why)
            }
        case .compare(let field, let op, let value):
            guard case .number(let v) = r.value(field) else { return .no }
            return op.holds(v, value) ? .yes : .no
        case .equals(let field, let value):
            return r.value(field) == value ? .yes : .no
        case .exists(let field, let present):
            let has: Bool
            if let v = r.value(field) {
                if case .string(let s) = v { has = !s.isEmpty } else { has = true }
            } else {
                has = false
            }
            return has == present ? .yes : .no
        }
    }
}
