/// Python's `shlex.split(text)` (POSIX mode, no comments), which Ansible applies to
/// `ansible_ssh_common_args` and `ansible_ssh_extra_args` before handing them to `ssh`.
enum ShellSplit {
    /// Why a string could not be split, in `shlex`'s words.
    struct Problem: Error {
        var message: String
    }

    /// The words of `text`: whitespace separates them; single quotes keep everything; double
    /// quotes let a backslash escape only `"` and `\`; a backslash outside quotes escapes any
    /// character. Empty quotes make an empty word.
    static func split(_ text: String) throws(Problem) -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var characters = text.makeIterator()
        while let c = characters.next() {
            if let open = quote {
                if c == open {
                    quote = nil
                } else if open == "\"", c == "\\" {
                    guard let next = characters.next() else { throw Problem(message: "No escaped character") }
                    if next != "\"" && next != "\\" { word.append("\\") }
                    word.append(next)
                } else {
                    word.append(c)
                }
            } else if c.isWhitespace {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else if c == "\\" {
                guard let next = characters.next() else { throw Problem(message: "No escaped character") }
                word.append(next)
                inWord = true
            } else if c == "'" || c == "\"" {
                quote = c
                inWord = true
            } else {
                word.append(c)
                inWord = true
            }
        }
        if quote != nil { throw Problem(message: "No closing quotation") }
        if inWord { words.append(word) }
        return words
    }
}
