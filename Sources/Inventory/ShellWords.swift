/// Splits an INI host line into words the way Ansible does, with Python's `shlex.split(line,
/// comments=True)` in POSIX mode: single quotes keep everything, double quotes allow `\"` and
/// `\\`, a backslash outside quotes escapes any character, and `#` outside quotes starts a
/// comment even in the middle of a word (so `pass=a#b` is `pass=a`).
enum ShellWords {
    /// Why a line could not be split.
    struct Problem: Error {
        var message: String
    }

    static func split(_ line: String) throws(Problem) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var iterator = line.makeIterator()

        func finishWord() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }

        while let character = iterator.next() {
            if let open = quote {
                if character == open {
                    quote = nil
                } else if open == "\"" && character == "\\" {
                    guard let next = iterator.next() else { throw Problem(message: "no closing quotation") }
                    if next != "\"" && next != "\\" { word.append("\\") }
                    word.append(next)
                } else {
                    word.append(character)
                }
                continue
            }
            switch character {
            case " ", "\t", "\n", "\r", "\r\n":
                finishWord()
            case "#":
                finishWord()
                return words
            case "'", "\"":
                quote = character
                inWord = true
            case "\\":
                guard let next = iterator.next() else { throw Problem(message: "no escaped character") }
                word.append(next)
                inWord = true
            default:
                word.append(character)
                inWord = true
            }
        }
        if quote != nil { throw Problem(message: "no closing quotation") }
        finishWord()
        return words
    }
}
