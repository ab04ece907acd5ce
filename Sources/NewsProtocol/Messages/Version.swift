/// The release of newsd and newsctl built from this tree.
public enum NewsdVersion {
    /// Semantic version.
    public static let current = "0.1.0"
}
