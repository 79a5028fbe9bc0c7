import Foundation

/// C-locale `strftime` for `strftime_now(fmt)`, computed from an injectable clock.
enum Strftime {
    private static let days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    private static let months = ["January", "February", "March", "April", "May", "June", "July", "August",
                                 "September", "October", "November", "December"]

    static func format(_ format: String, date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday, .nanosecond], from: date)
        let year = c.year ?? 1970, month = c.month ?? 1, day = c.day ?? 1
        let hour = c.hour ?? 0, minute = c.minute ?? 0, second = c.second ?? 0
        let weekday = (c.weekday ?? 1) - 1  // 0 = Sunday
        let yday = (calendar.ordinality(of: .day, in: .year, for: date) ?? 1) - 1
        let micro = (c.nanosecond ?? 0) / 1000

        func pad(_ v: Int, _ width: Int, _ fill: Character = "0") -> String {
            let s = String(v)
            return s.count >= width ? s : String(repeating: fill, count: width - s.count) + s
        }
        func weekOfYear(firstWeekday: Int) -> Int {
            // %U (weeks start Sunday) and %W (weeks start Monday): days before the first such day are week 0.
            let wd = (weekday - firstWeekday + 7) % 7
            return (yday + 7 - wd) / 7
        }
        let hour12 = hour % 12 == 0 ? 12 : hour % 12
        var out = ""
        let it = Array(format)
        var i = 0
        while i < it.count {
            let ch = it[i]
            guard ch == "%", i + 1 < it.count else {
                out.append(ch)
                i += 1
                continue
            }
            var spec = it[i + 1]
            var noPad = false
            if spec == "-", i + 2 < it.count {
                // glibc extension: `%-d` drops the padding.
                noPad = true
                spec = it[i + 2]
                i += 1
            }
            i += 2
            func num(_ v: Int, _ width: Int, _ fill: Character = "0") -> String { noPad ? String(v) : pad(v, width, fill) }
            switch spec {
            case "a": out += String(days[weekday].prefix(3))
            case "A": out += days[weekday]
            case "b", "h": out += String(months[month - 1].prefix(3))
            case "B": out += months[month - 1]
            case "c": out += "\(days[weekday].prefix(3)) \(months[month - 1].prefix(3)) \(pad(day, 2, " ")) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)) \(year)"
            case "C": out += num(year / 100, 2)
            case "d": out += num(day, 2)
            case "D": out += "\(pad(month, 2))/\(pad(day, 2))/\(pad(year % 100, 2))"
            case "e": out += num(day, 2, " ")
            case "F": out += "\(year)-\(pad(month, 2))-\(pad(day, 2))"
            case "f": out += pad(micro, 6)
            case "H": out += num(hour, 2)
            case "I": out += num(hour12, 2)
            case "j": out += num(yday + 1, 3)
            case "k": out += pad(hour, 2, " ")
            case "l": out += pad(hour12, 2, " ")
            case "m": out += num(month, 2)
            case "M": out += num(minute, 2)
            case "n": out += "\n"
            case "p": out += hour < 12 ? "AM" : "PM"
            case "P": out += hour < 12 ? "am" : "pm"
            case "r": out += "\(pad(hour12, 2)):\(pad(minute, 2)):\(pad(second, 2)) \(hour < 12 ? "AM" : "PM")"
            case "R": out += "\(pad(hour, 2)):\(pad(minute, 2))"
            case "S": out += num(second, 2)
            case "t": out += "\t"
            case "T", "X": out += "\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            case "u": out += String(weekday == 0 ? 7 : weekday)
            case "U": out += num(weekOfYear(firstWeekday: 0), 2)
            case "w": out += String(weekday)
            case "W": out += num(weekOfYear(firstWeekday: 1), 2)
            case "x": out += "\(pad(month, 2))/\(pad(day, 2))/\(pad(year % 100, 2))"
            case "y": out += num(year % 100, 2)
            case "Y": out += String(year)
            case "z", "Z": break  // transformers formats a naive datetime.now(): no zone fields
            case "%": out += "%"
            default:
                out.append("%")
                out.append(spec)
            }
        }
        return out
    }
}
