// Nothing to import: the target only links interposers for Mutex slow paths into TSan builds.
