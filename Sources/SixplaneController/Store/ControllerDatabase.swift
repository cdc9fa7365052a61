/// Where the controller keeps its records: `<home>/controller.db` (SQLite) unless a `postgresql://` URL is given.
public enum ControllerDatabase {
    public static func open(home: String, url: String?) throws(ControllerError) -> ControllerStore {
        if let url, !url.isEmpty {
            guard url.hasPrefix("postgresql://") || url.hasPrefix("postgres://") else {
                throw ControllerError(.badRequest, "--controller-db must be a postgresql:// URL (SQLite is the default)", field: "controller-db")
            }
            return try PostgresStore(url: url)
        }
        return try SQLiteStore(path: sqlitePath(home: home))
    }

    public static func sqlitePath(home: String) -> String { "\(home)/controller.db" }
}
