// Yams's own C module: the libyaml parser that Yams.compose runs anyway. Yams exposes no event
// API, and counting nesting needs the events, not a second guess at YAML's grammar.
import CYaml

/// Yams composes a document recursively, a few stack frames per level of nesting, so a file
/// nested a few thousand levels deep (`[[[[…`, `- - - -…`) would overflow the stack and crash
/// vf-fwd instead of being a config error. This walks the libyaml events Yams composes from,
/// iteratively, before Yams does.
enum YAMLNesting {
    /// Far above the 5 levels a vf-fwd config uses (top level, `rules`, a rule, `in`, `vlan`),
    /// far below what the stack holds.
    static let maximumDepth = 64

    /// The line (from 1) of the first collection nested more than `maximumDepth` deep, or nil.
    /// Also nil when the YAML is malformed before that point: Yams then reports the error,
    /// having nested no deeper than the events before it.
    static func firstLineTooDeep(in yaml: String) -> Int? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return nil }
        defer { yaml_parser_delete(&parser) }
        var text = Array(yaml.utf8)
        return text.withUnsafeMutableBufferPointer { bytes in
            yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
            var depth = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return nil }
                defer { yaml_event_delete(&event) }
                switch event.type {
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    depth += 1
                    if depth > maximumDepth { return Int(event.start_mark.line) + 1 }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    depth -= 1
                case YAML_STREAM_END_EVENT:
                    return nil
                default:
                    break
                }
            }
        }
    }
}
