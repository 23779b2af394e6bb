# copied from six 1.16.0
