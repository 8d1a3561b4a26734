import Durations
import Testing

@Suite("Durations as text")
struct DurationTextTests {
    static let valid: [(String, Duration)] = [
        ("250ms", .milliseconds(250)),
        ("10s", .seconds(10)),
        ("5m", .seconds(300)),
        ("1h", .seconds(3600)),
        ("1m30s", .seconds(90)),
        ("1h2m3s", .seconds(3723)),
        ("1s500ms", .milliseconds(1500)),
        ("1.5s", .milliseconds(1500)),
        ("0.25ms", .microseconds(250)),
        ("0s", .zero),
        ("0", .zero),
        ("10", .seconds(10)),
        ("90m", .seconds(5400)),
    ]

    static let invalid = [
        "", "5 seconds", "10 s", " 10s", "s", "ms", "-5s", "+5s", "1m1h", "1s1s", "5d", "10sec", "1.s", ".s",
        "1e3s", "1,5s", "5M", "9999999999999h",
    ]

    static let formatted: [(Duration, String)] = [
        (.zero, "0s"),
        (.milliseconds(250), "250ms"),
        (.microseconds(250), "0.25ms"),
        (.seconds(10), "10s"),
        (.seconds(300), "5m"),
        (.seconds(3600), "1h"),
        (.seconds(90), "1m30s"),
        (.seconds(3723), "1h2m3s"),
        (.milliseconds(1500), "1.5s"),
        (.milliseconds(61_250), "1m1.25s"),
        (.seconds(-5), "-5s"),
    ]

    @Test("valid durations are read", arguments: valid)
    func parses(text: String, duration: Duration) {
        #expect(DurationText.parse(text) == duration)
    }

    @Test("anything else is not a duration", arguments: invalid)
    func rejects(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test("durations are written in the shortest form", arguments: formatted)
    func formats(duration: Duration, text: String) {
        #expect(DurationText.format(duration) == text)
    }

    @Test("a formatted duration reads back as itself", arguments: formatted.filter { $0.0 >= .zero })
    func roundTrips(duration: Duration, text: String) {
        #expect(DurationText.parse(DurationText.format(duration)) == duration)
    }
}

/// The one way a `Duration` becomes a number of seconds or milliseconds.
struct DurationUnitsTests {
    @Test("seconds keep the fraction; milliseconds round down or up; seconds round up for the engine")
    func units() {
        let d: Duration = .milliseconds(1500) + .nanoseconds(1)
        #expect(d.seconds == 1.500000001)
        #expect(d.milliseconds == 1500)
        #expect(d.millisecondsRoundedUp == 1501)
        #expect(d.secondsRoundedUp == 2)
        #expect(Duration.seconds(3).milliseconds == 3000 && Duration.seconds(3).millisecondsRoundedUp == 3000)
        #expect(Duration.seconds(3).secondsRoundedUp == 3)
        #expect(Duration.zero.seconds == 0 && Duration.zero.secondsRoundedUp == 0)
        #expect(Duration.milliseconds(250).seconds == 0.25)
    }
}
