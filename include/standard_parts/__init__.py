"""standard-parts: turns department orders into standard-part (标准件) tasks for community officers."""

__version__ = "0.1.0"
