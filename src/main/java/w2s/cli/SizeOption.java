package w2s.cli;

import picocli.CommandLine;

import w2s.data.SplitSize;

/**
 * Reads {@code --n-train} and {@code --n-test}: a number the task must have, or "all". An option left out is null, so
 * that the command can tell its default (a cap: all documents if the task has fewer) from a number typed.
 */
final class SizeOption implements CommandLine.ITypeConverter<SplitSize> {
    @Override
    public SplitSize convert(String value) {
        try {
            return SplitSize.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
