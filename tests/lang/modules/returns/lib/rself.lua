-- Sets its own entry and returns nothing: require returns what package.loaded holds.
package.loaded[...] = {tag = "set by itself"}
