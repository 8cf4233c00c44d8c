"""The pure analytical core: numpy and the standard library only; time is an argument."""
