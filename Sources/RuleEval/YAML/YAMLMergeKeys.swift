import Yams

/// YAML merge keys (`<<: *anchor`), which rule and configuration files use to share settings:
/// Yams resolves the alias but leaves the merge to the reader.
public enum YAMLMergeKeys {
    /// `node` with every `<<` entry replaced by the entries it merges in (keys written in the
    /// mapping win; with a list of mappings, earlier ones win).
    public static func resolve(_ node: Node) -> Node {
        switch node {
        case .mapping(let m):
            var own: [(Node, Node)] = []
            var merged: [(Node, Node)] = []
            for (k, v) in m {
                if k.string == "<<", case .scalar(let s) = k, s.style == .plain {
                    let sources: [Node]
                    switch v {
                    case .sequence(let seq): sources = Array(seq)
                    default: sources = [v]
                    }
                    for src in sources {
                        guard case .mapping(let sm) = resolve(src) else { continue }
                        for (mk, mv) in sm where !merged.contains(where: { $0.0 == mk }) { merged.append((mk, mv)) }
                    }
                } else {
                    own.append((k, resolve(v)))
                }
            }
            let pairs = own + merged.filter { mk in !own.contains { $0.0 == mk.0 } }
            return .mapping(Node.Mapping(pairs, m.tag, m.style, m.mark))
        case .sequence(let s):
            return .sequence(Node.Sequence(s.map(resolve), s.tag, s.style, s.mark))
        default:
            return node
        }
    }
}
