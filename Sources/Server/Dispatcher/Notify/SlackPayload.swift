/// A Slack incoming-webhook message: one attachment with the templated title, text and colour.
enum SlackPayload {
    static func encode(_ c: SlackConfig, data: NotificationData) throws -> [UInt8] {
        var b = JSONBuffer(reservingCapacity: 1024)
        b.byte(UInt8(ascii: "{"))
        var first = true
        func field(_ name: StaticString, _ value: String?) {
            guard let value, !value.isEmpty else { return }
            if !first { b.byte(UInt8(ascii: ",")) }
            first = false
            b.raw(name)
            b.string(value)
        }
        field(#""channel":"#, try c.channel.map(data.render))
        field(#""username":"#, try c.username.map(data.render))
        field(#""icon_emoji":"#, try c.iconEmoji.map(data.render))
        field(#""icon_url":"#, try c.iconURL.map(data.render))
        if !first { b.byte(UInt8(ascii: ",")) }
        b.raw(#""attachments":[{"title":"#)
        b.string(try data.render(c.title))
        b.raw(#","title_link":"#)
        b.string(try data.render(c.titleLink))
        if let p = c.pretext {
            b.raw(#","pretext":"#)
            b.string(try data.render(p))
        }
        b.raw(#","text":"#)
        b.string(try data.render(c.text))
        b.raw(#","fallback":"#)
        b.string(try data.render(c.fallback))
        b.raw(#","color":"#)
        b.string(try data.render(c.color))
        b.raw(#","mrkdwn_in":["fallback","pretext","text"]}"#)
        if let held = HeldBackSummary.text(data.heldBack) {
            b.raw(##",{"title":"Held back by the rate limit","text":"##)
            b.string(held)
            b.raw(##","color":"#439FE0"}"##)
        }
        b.raw("]}")
        return b.bytes
    }
}
