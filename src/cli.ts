console.log("dbship");
