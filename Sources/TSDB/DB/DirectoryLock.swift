#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on `<dir>/lock`, held while a DB is open so two processes never share a data directory.
final class DirectoryLock: Sendable {
    let path: String
    private let fd: Int32

    init(directory: String) throws(DBError) {
        path = directory + "/lock"
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: directory, reason: String(cString: strerror(errno))) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let e = errno
            close(fd)
            if e == EWOULDBLOCK {
                throw .locked(path: directory)
            }
            throw .cannotOpen(path: directory, reason: String(cString: strerror(e)))
        }
        // Record the owner's pid: helpful when someone looks at a stuck lock.
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
        self.fd = fd
    }

    func release() {
        _ = flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Errors opening or operating a `DB`.
public enum DBError: Error, Sendable, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case locked(path: String)
    case closed

    public var description: String {
        switch self {
        case .cannotOpen(let p, let r): return "cannot open data directory \(p): \(r)"
        case .locked(let p):
            return "data directory \(p) is locked by another running instance (\(p)/lock is held): stop it, or use another --storage.tsdb.path"
        case .closed: return "the database is closed"
        }
    }
}
