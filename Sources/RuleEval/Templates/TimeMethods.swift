/// The `time.Time` methods templates call most (`.Format`, `.Unix`, `.UTC`, …).
enum TimeMethods {
    struct NoMethod: Error {}

    static func call(_ name: String, on t: TemplateTime, _ args: [TemplateValue]) throws -> TemplateValue {
        func noArgs() throws {
            if !args.isEmpty { throw TemplateFunctionError("wrong number of args for \(name): want 0 got \(args.count)") }
        }
        let c = t.civil
        switch name {
        case "Format":
            guard args.count == 1 else { throw TemplateFunctionError("wrong number of args for Format: want 1 got \(args.count)") }
            guard case .string(let layout) = args[0] else { throw TemplateFunctionError.wrongType(expected: "string", got: args[0]) }
            return .string(t.format(layout))
        case "String": try noArgs(); return .string(t.goString)
        case "Unix": try noArgs(); return .int(t.seconds)
        case "UnixMilli": try noArgs(); return .int(t.seconds &* 1000 &+ Int64(t.nanoseconds / 1_000_000))
        case "UnixNano": try noArgs(); return .int(t.seconds &* 1_000_000_000 &+ Int64(t.nanoseconds))
        case "UTC", "Local": try noArgs(); return .time(t.utc)
        case "Year": try noArgs(); return .int(Int64(c.year))
        case "Month": try noArgs(); return .string(GoTimeLayout.longMonths[c.month - 1])
        case "Day": try noArgs(); return .int(Int64(c.day))
        case "Hour": try noArgs(); return .int(Int64(c.hour))
        case "Minute": try noArgs(); return .int(Int64(c.minute))
        case "Second": try noArgs(); return .int(Int64(c.second))
        case "Nanosecond": try noArgs(); return .int(Int64(t.nanoseconds))
        case "Weekday": try noArgs(); return .string(GoTimeLayout.longDays[c.weekday])
        case "YearDay": try noArgs(); return .int(Int64(c.yearDay))
        case "IsZero": try noArgs(); return .bool(t.seconds == -62_135_596_800 && t.nanoseconds == 0)
        default: throw NoMethod()
        }
    }
}
