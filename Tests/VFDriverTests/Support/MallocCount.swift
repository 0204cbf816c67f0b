import MallocInterposerSwift

/// Allocations made by `body`, counted by the interposed malloc.
func allocations(_ body: () -> Void) -> Int {
    MallocInterposerSwift.initialize()
    MallocInterposerSwift.hook()
    body()
    MallocInterposerSwift.unhook()
    return Int(MallocInterposerSwift.getStatistics().mallocCount)
}
