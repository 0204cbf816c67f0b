/// A mistake in a config file: exit code 2, and the message names file, line and problem.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var problem: String

    public init(file: String, line: Int, _ problem: String) {
        self.file = file
        self.line = line
        self.problem = problem
    }

    public var description: String { "\(file):\(line): \(problem)" }
}
