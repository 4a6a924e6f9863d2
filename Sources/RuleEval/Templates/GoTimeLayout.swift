/// Go's `time.Format` layout interpreter (reference time `Mon Jan 2 15:04:05 MST 2006`).
enum GoTimeLayout {
    static let longDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    static let longMonths = ["January", "February", "March", "April", "May", "June", "July",
                             "August", "September", "October", "November", "December"]

    static func format(_ t: TemplateTime, layout: String) -> String {
        let c = t.civil
        let l = Array(layout.utf8)
        var out = [UInt8]()
        var i = 0
        func has(_ s: String) -> Bool {
            let b = Array(s.utf8)
            return i + b.count <= l.count && Array(l[i..<(i + b.count)]) == b
        }
        func put(_ s: String) { out.append(contentsOf: s.utf8) }
        func pad(_ v: Int, _ width: Int, _ fill: Character = "0") -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: fill, count: width - s.count) + s
        }
        func zone(z: Bool, colon: Bool, secs: Bool, hoursOnly: Bool) {
            if z && t.zoneOffset == 0 { put("Z"); return }
            var off = t.zoneOffset
            put(off < 0 ? "-" : "+")
            off = abs(off)
            put(pad(off / 3600, 2))
            if hoursOnly { return }
            if colon { put(":") }
            put(pad(off / 60 % 60, 2))
            if secs {
                if colon { put(":") }
                put(pad(off % 60, 2))
            }
        }
        while i < l.count {
            // Longest tokens first, as Go's nextStdChunk does.
            if has("January") { put(longMonths[c.month - 1]); i += 7; continue }
            if has("Jan") { put(String(longMonths[c.month - 1].prefix(3))); i += 3; continue }
            if has("Monday") { put(longDays[c.weekday]); i += 6; continue }
            if has("Mon") { put(String(longDays[c.weekday].prefix(3))); i += 3; continue }
            if has("MST") {
                if !t.zoneName.isEmpty { put(t.zoneName) } else { zone(z: false, colon: false, secs: false, hoursOnly: false) }
                i += 3; continue
            }
            if has("2006") { put(pad(c.year, 4)); i += 4; continue }
            if has("002") { put(pad(c.yearDay, 3)); i += 3; continue }
            if has("01") { put(pad(c.month, 2)); i += 2; continue }
            if has("02") { put(pad(c.day, 2)); i += 2; continue }
            if has("03") { put(pad(c.hour % 12 == 0 ? 12 : c.hour % 12, 2)); i += 2; continue }
            if has("04") { put(pad(c.minute, 2)); i += 2; continue }
            if has("05") { put(pad(c.second, 2)); i += 2; continue }
            if has("06") { put(pad(c.year % 100, 2)); i += 2; continue }
            if has("15") { put(pad(c.hour, 2)); i += 2; continue }
            if has("__2") { put(pad(c.yearDay, 3, " ")); i += 3; continue }
            if has("_2") { put(pad(c.day, 2, " ")); i += 2; continue }
            if has("Z07:00:00") { zone(z: true, colon: true, secs: true, hoursOnly: false); i += 9; continue }
            if has("-07:00:00") { zone(z: false, colon: true, secs: true, hoursOnly: false); i += 9; continue }
            if has("Z070000") { zone(z: true, colon: false, secs: true, hoursOnly: false); i += 7; continue }
            if has("-070000") { zone(z: false, colon: false, secs: true, hoursOnly: false); i += 7; continue }
            if has("Z07:00") { zone(z: true, colon: true, secs: false, hoursOnly: false); i += 6; continue }
            if has("-07:00") { zone(z: false, colon: true, secs: false, hoursOnly: false); i += 6; continue }
            if has("Z0700") { zone(z: true, colon: false, secs: false, hoursOnly: false); i += 5; continue }
            if has("-0700") { zone(z: false, colon: false, secs: false, hoursOnly: false); i += 5; continue }
            if has("Z07") { zone(z: true, colon: false, secs: false, hoursOnly: true); i += 3; continue }
            if has("-07") { zone(z: false, colon: false, secs: false, hoursOnly: true); i += 3; continue }
            if has("PM") { put(c.hour >= 12 ? "PM" : "AM"); i += 2; continue }
            if has("pm") { put(c.hour >= 12 ? "pm" : "am"); i += 2; continue }
            // Fractional seconds: .000 (fixed) or .999 (trailing zeros trimmed), after a '.' or ','.
            if (l[i] == UInt8(ascii: ".") || l[i] == UInt8(ascii: ",")) && i + 1 < l.count
                && (l[i + 1] == UInt8(ascii: "0") || l[i + 1] == UInt8(ascii: "9")) {
                let digit = l[i + 1]
                var j = i + 1
                while j < l.count && l[j] == digit { j += 1 }
                // Go only treats it as fractional seconds if not followed by another digit.
                if j >= l.count || !(l[j] >= 0x30 && l[j] <= 0x39) {
                    let n = min(j - i - 1, 9)
                    var frac = Array(pad(Int(t.nanoseconds), 9).utf8.prefix(n))
                    if digit == UInt8(ascii: "9") {
                        while frac.last == UInt8(ascii: "0") { frac.removeLast() }
                        if !frac.isEmpty { out.append(l[i]); out.append(contentsOf: frac) }
                    } else {
                        out.append(l[i]); out.append(contentsOf: frac)
                    }
                    i = j; continue
                }
            }
            if l[i] == UInt8(ascii: "1") { put(String(c.month)); i += 1; continue }
            if l[i] == UInt8(ascii: "2") { put(String(c.day)); i += 1; continue }
            if l[i] == UInt8(ascii: "3") { put(String(c.hour % 12 == 0 ? 12 : c.hour % 12)); i += 1; continue }
            if l[i] == UInt8(ascii: "4") { put(String(c.minute)); i += 1; continue }
            if l[i] == UInt8(ascii: "5") { put(String(c.second)); i += 1; continue }
            out.append(l[i]); i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
