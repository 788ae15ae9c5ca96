/// Chinese identity numbers: the citizen ID number (GB 11643-1999) and the unified social credit code
/// (GB 32100-2015). See ../shared/specs/gm-standards.md §6.
public enum IdentityNumberError: Error, Sendable, Hashable, CustomStringConvertible {
    case length(expected: Int, got: Int)
    case character(position: Int, character: Character)
    case birthDate(String)
    case checkCharacter(expected: Character, got: Character)

    public var description: String {
        switch self {
        case .length(let expected, let got): "must be \(expected) characters, got \(got)"
        case .character(let position, let character): "character '\(character)' at position \(position) is not allowed"
        case .birthDate(let date): "birth date \(date) is not a valid date"
        case .checkCharacter(let expected, let got): "check character is '\(got)', expected '\(expected)'"
        }
    }
}

public enum CitizenIDNumber {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    static let checkCharacters: [Character] = Array("10X98765432")

    /// Validates an 18-character ID number (ISO 7064 MOD 11-2 check character, `x` accepted as `X`, valid birth
    /// date) and returns it normalised (upper-case `X`).
    public static func validate(_ text: String) throws(IdentityNumberError) -> String {
        let characters = Array(text.uppercased())
        guard characters.count == 18 else { throw .length(expected: 18, got: characters.count) }
        for (index, character) in characters.enumerated() {
            let allowed = character.isASCII && character.isNumber || (index == 17 && character == "X")
            if !allowed { throw .character(position: index + 1, character: character) }
        }
        let digits = characters.prefix(17).map { Int(String($0))! }
        let year = digits[6] * 1000 + digits[7] * 100 + digits[8] * 10 + digits[9]
        let month = digits[10] * 10 + digits[11]
        let day = digits[12] * 10 + digits[13]
        guard isValidDate(year: year, month: month, day: day), year >= 1800 else {
            throw .birthDate(String(characters[6..<14]))
        }
        let sum = zip(digits, weights).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = checkCharacters[sum % 11]
        guard characters[17] == expected else { throw .checkCharacter(expected: expected, got: characters[17]) }
        return String(characters)
    }

    /// `3401**********123X`: the first 4 and last 4 characters, the rest masked.
    public static func mask(_ number: String) -> String {
        let characters = Array(number)
        guard characters.count > 8 else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(4)) + String(repeating: "*", count: characters.count - 8)
            + String(characters.suffix(4))
    }

    static func isValidDate(year: Int, month: Int, day: Int) -> Bool {
        guard (1...12).contains(month), day >= 1 else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}

public enum UnifiedSocialCreditCode {
    static let alphabet: [Character] = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// Validates an 18-character code over the 31-character alphabet (no I, O, S, V, Z) with its GB 32100 check
    /// character, and returns it upper-cased.
    public static func validate(_ text: String) throws(IdentityNumberError) -> String {
        let characters = Array(text.uppercased())
        guard characters.count == 18 else { throw .length(expected: 18, got: characters.count) }
        var values: [Int] = []
        for (index, character) in characters.enumerated() {
            guard let value = alphabet.firstIndex(of: character) else {
                throw .character(position: index + 1, character: character)
            }
            values.append(value)
        }
        let sum = zip(values.prefix(17), weights).reduce(0) { $0 + $1.0 * $1.1 }
        let expected = alphabet[(31 - sum % 31) % 31]
        guard characters[17] == expected else { throw .checkCharacter(expected: expected, got: characters[17]) }
        return String(characters)
    }
}
